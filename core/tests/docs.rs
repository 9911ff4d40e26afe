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

/// Whether `name` occurs in `text` as a whole identifier (not inside a longer one).
fn has_word(text: &str, name: &str) -> bool {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(name).any(|(at, _)| {
        !ident(text[..at].chars().next_back()) && !ident(text[at + name.len()..].chars().next())
    })
}

/// The files that make up each language's public surface, by the column of docs/names.md.
fn surfaces() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "Python",
            vec!["python/ccverify/_native.pyi", "python/ccverify/aio.py"],
        ),
        ("Node", vec!["node/index.d.ts", "node/ccverify.d.ts"]),
        ("C", vec!["include/ccverify.h"]),
        (
            "Go",
            vec![
                "go/ccverify.go",
                "go/client.go",
                "go/callback.go",
                "go/options.go",
            ],
        ),
        (
            "Kotlin / Swift",
            vec![
                "swift/Sources/CCVerify/CCVerify.swift",
                "swift/Sources/CCVerify/Streams.swift",
                "swift/Sources/CCVerify/Extensions.swift",
                "kotlin/src/main/kotlin/io/ccverify/Streams.kt",
                "kotlin/src/main/kotlin/io/ccverify/ErrorCodes.kt",
                "kotlin/src/main/kotlin/io/ccverify/Session.kt",
            ],
        ),
    ]
}

#[test]
fn every_name_of_the_names_table_is_in_its_languages_surface() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let doc = std::fs::read_to_string(format!("{root}/docs/names.md")).unwrap();
    let mut lines = doc.lines().skip_while(|l| !l.starts_with("| concept |"));
    let header: Vec<&str> = lines
        .next()
        .unwrap()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect();
    let surfaces = surfaces();
    let mut checked = 0;
    for row in lines.skip(1).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), header.len(), "{row}");
        for (language, cell) in header.iter().zip(&cells).skip(1) {
            if *cell == "—" {
                continue;
            }
            let name = cell.trim_matches('`');
            let (_, files) = surfaces
                .iter()
                .find(|(l, _)| l == language)
                .unwrap_or_else(|| panic!("no surface for column {language}"));
            let found = files.iter().any(|f| {
                let text = std::fs::read_to_string(format!("{root}/{f}"))
                    .unwrap_or_else(|e| panic!("{f}: {e}"));
                has_word(&text, name)
            });
            assert!(found, "{language} lacks `{name}` ({}): {row}", cells[0]);
            checked += 1;
        }
    }
    assert!(
        checked > 50,
        "the names table was not read ({checked} names)"
    );
}

/// Every key of the core's policy (and of its `gpu` and `tdx` tables) has a row in the
/// README's policy table.
#[test]
fn the_readme_policy_table_lists_every_key() {
    let readme = readme();
    let start = readme
        .find("## Policy")
        .unwrap_or_else(|| panic!("README lacks its Policy section"));
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let policy: serde_json::Value =
        serde_json::from_str(&ccverify::policy::Policy::default().to_json()).unwrap();
    let mut keys = Vec::new();
    for (key, value) in policy.as_object().unwrap() {
        match value.as_object() {
            Some(table) => keys.extend(table.keys().map(|k| format!("{key}.{k}"))),
            None => keys.push(key.clone()),
        }
    }
    keys.push("trust".into()); // left out of the JSON when production
    for key in keys {
        assert!(
            section.contains(&format!("`{key}`")),
            "the README's policy table lacks `{key}`"
        );
    }
}
