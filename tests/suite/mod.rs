mod check;
mod corpus;
mod errors;
mod extended;
mod hash;
mod query;
mod util;
