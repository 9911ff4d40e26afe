//! The README is API documentation: its check table is generated from the registry
//! ([`CHECKS`]), and every error code must be in its error table as [`ErrorKind`] describes it.
//! `UPDATE_README=1 cargo test -p ccverify --test docs` (part of `make regen`) rewrites the
//! generated table.
#![allow(clippy::unwrap_used, clippy::panic)]

use ccverify::{CHECKS, ErrorKind};

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
const BEGIN: &str =
    "<!-- BEGIN GENERATED: the check table, from ccverify::CHECKS; `make regen` rewrites it -->\n";
const END: &str = "<!-- END GENERATED -->";

fn readme() -> String {
    std::fs::read_to_string(README).unwrap()
}

/// The markdown table of every check id and what a pass proves, in registry order.
fn check_table() -> String {
    let mut table = String::from("| id | a pass proves |\n|---|---|\n");
    for (id, proves) in CHECKS {
        table.push_str(&format!("| `{id}` | {proves} |\n"));
    }
    table
}

#[test]
fn descriptions_fit_in_a_table_cell() {
    for (id, proves) in CHECKS {
        assert!(
            !proves.contains('|') && !proves.contains('\n') && !proves.is_empty(),
            "{id}: a description must be one non-empty line without `|`"
        );
    }
}

#[test]
fn the_readme_check_table_is_the_registry() {
    let readme = readme();
    let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README lacks the generated check table markers");
    };
    let start = start + BEGIN.len();
    let expected = check_table();
    if readme[start..end] != expected {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(README, updated).unwrap();
        } else {
            panic!("the README check table drifted from ccverify::CHECKS: run `make regen`");
        }
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
