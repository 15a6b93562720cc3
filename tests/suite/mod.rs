mod check;
mod corpus;
mod errors;
mod extended;
mod hash;
mod html;
mod query;
mod util;
