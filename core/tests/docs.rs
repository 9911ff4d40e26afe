//! The README is API documentation: every check id and every error code must be in its tables.
#![allow(clippy::unwrap_used)]

use ccverify::{CHECKS, ErrorKind};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap()
}

#[test]
fn every_check_id_is_documented() {
    let readme = readme();
    for (id, _) in CHECKS {
        assert!(
            readme.contains(&format!("| `{id}` |")),
            "README lacks a row for check {id}"
        );
    }
}

#[test]
fn every_error_kind_is_documented_as_the_error_table_says() {
    let readme = readme();
    for kind in ErrorKind::ALL {
        let row = format!(
            "| {} | `{}` | {} |",
            kind.code(),
            kind.as_str(),
            kind.when()
        );
        assert!(readme.contains(&row), "README lacks the error row {row}");
    }
}
