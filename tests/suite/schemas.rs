//! The JSON outputs validate against the schemas documented in `schemas/`.

use serde_json::Value;

use super::util::{fixture, references, repo, LocalSchemas, Workspace};

fn validator(schema_file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas").join(schema_file)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid(schema_file: &str, items: &Value) {
    let validator = validator(schema_file);
    let items = items.as_array().expect("an array of items");
    assert!(!items.is_empty());
    for item in items {
        let errors: Vec<String> = validator.iter_errors(item).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{schema_file}: {errors:?}\n{item}");
    }
}

#[test]
fn hash_query_and_check_outputs_follow_their_schemas() {
    let ws = Workspace::new();
    std::fs::write(ws.path().join("empty.jpg"), b"").unwrap();
    let hashed = ws.run_json(
        &[
            "hash".as_ref(),
            fixture("orientation_6.jpg").as_os_str(),
            references().join("gps_dscn0010.jpg").as_os_str(),
            fixture("near_black_banner.png").as_os_str(),
            "empty.jpg".as_ref(),
        ],
        2,
    );
    assert_valid("hash.schema.json", &hashed);
    assert!(hashed[2]["not_assessed"]["reason"].is_string(), "{hashed}");

    ws.build_references();
    let queried = ws.run_json(
        &[
            "query".as_ref(),
            references().join("examples/storm_banner.jpg").as_os_str(),
            references().join("examples/new_photo.jpg").as_os_str(),
            "empty.jpg".as_ref(),
        ],
        2,
    );
    assert_valid("query.schema.json", &queried);
    // The schema has teeth: an unknown class is rejected.
    let mut bad = queried[0].clone();
    bad["matches"][0]["class"] = "copy".into();
    assert!(!validator("query.schema.json").is_valid(&bad));

    let checked = ws.run_json(
        &[
            "check".as_ref(),
            references().join("examples/statement.toml").as_os_str(),
        ],
        1,
    );
    assert_valid("check.schema.json", &checked);
}
