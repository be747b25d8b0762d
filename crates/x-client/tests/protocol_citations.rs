//! Every citation of a section of the repository's protocol reference (`docs/` + `protocol.md`,
//! "§N" or "§N.M") names a heading that exists there, and nothing still cites the research
//! notes that live outside the repository.
//!
//! Walks `crates/`, `src-tauri/`, `ui/src/`, `tests/`, `README.md` and `docs/` (skipping
//! `target/` and `node_modules/`). A citation is the document's path, optionally in backticks,
//! followed by one or more sections: `§6.5`, `§6.4–6.5`, `§7–§9`, `§6.2/§6.3`,
//! `§3, §4, §10 and §11`. A heading is a Markdown heading whose first word is the number:
//! `## 6.5 Unknown outcome: read back, never re-send`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The cited document, repository-relative. Split so that this file does not cite it.
const DOC: &str = concat!("docs/protocol", ".md");
/// The research notes' name. Split for the same reason.
const OLD: &str = concat!("x-api", "-notes");

/// What is walked, relative to the repository root.
const ROOTS: &[&str] = &[
    "crates",
    "src-tauri",
    "ui/src",
    "tests",
    "README.md",
    "docs",
];
/// Directories never entered.
const SKIP_DIRS: &[&str] = &["target", "node_modules", ".git"];
/// Source and documentation files.
const EXTENSIONS: &[&str] = &[
    "rs", "md", "ts", "tsx", "js", "mjs", "html", "css", "sh", "py", "toml",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if SKIP_DIRS.contains(&name) {
            return;
        }
        let mut entries: Vec<PathBuf> = fs::read_dir(path)
            .expect("readable directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for e in entries {
            walk(&e, out);
        }
    } else if meta.is_file() {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if EXTENSIONS.contains(&ext) {
            out.push(path.to_path_buf());
        }
    }
}

/// Section number → heading line, from the Markdown headings of `doc`. Duplicates are errors.
fn headings(doc: &str, problems: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut in_code = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let rest = line.trim_start_matches('#');
        if !rest.starts_with(' ') {
            continue;
        }
        let first = rest.split_whitespace().next().unwrap_or("");
        let number = first.trim_end_matches('.');
        if is_section_number(number) {
            if let Some(earlier) = found.insert(number.to_owned(), line.to_owned()) {
                problems.push(format!(
                    "{DOC}: section {number} appears twice: {earlier:?} and {line:?}"
                ));
            }
        }
    }
    found
}

fn is_section_number(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && !s.ends_with('.')
        && !s.contains("..")
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Skips spaces, tabs and backticks; across one line break also a comment leader.
fn skip_gap(s: &str) -> &str {
    let s = s.trim_start_matches([' ', '\t', '`']);
    let Some(next) = s.strip_prefix('\n') else {
        return s;
    };
    let next = next.trim_start_matches([' ', '\t']);
    let next = ["//!", "///", "//", "*", "#", "--"]
        .iter()
        .find_map(|leader| next.strip_prefix(leader))
        .unwrap_or(next);
    next.trim_start_matches([' ', '\t'])
}

/// A section number at the start of `s` (a trailing sentence dot is not part of it).
fn leading_number(s: &str) -> Option<(&str, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let number = s[..end].trim_end_matches('.');
    is_section_number(number).then(|| (number, &s[number.len()..]))
}

/// The sections cited right after the document's name (`after` starts just past it).
fn cited_sections(after: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(mut rest) = skip_gap(after).strip_prefix('§') else {
        return out;
    };
    while let Some((number, tail)) = leading_number(rest) {
        out.push(number.to_owned());
        // A range or alternative may continue without `§`; a list needs one.
        let bare = ["–", "-", "/"]
            .iter()
            .find_map(|sep| tail.strip_prefix(sep));
        let listed = [", ", " and ", " or ", ", and "]
            .iter()
            .find_map(|sep| tail.strip_prefix(sep))
            .and_then(|t| t.strip_prefix('§'));
        rest = match (bare, listed) {
            (Some(t), _) => t.strip_prefix('§').unwrap_or(t),
            (None, Some(t)) => t,
            (None, None) => break,
        };
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

#[test]
fn every_cited_protocol_section_exists_and_no_notes_citation_remains() {
    let root = repo_root();
    let mut problems = Vec::new();
    let doc = fs::read_to_string(root.join(DOC)).expect("the protocol reference exists");
    let sections = headings(&doc, &mut problems);
    assert!(
        sections.len() >= 15,
        "{DOC} has only {} numbered headings",
        sections.len()
    );

    let mut files = Vec::new();
    for r in ROOTS {
        walk(&root.join(r), &mut files);
    }
    let mut citations = 0usize;
    for file in &files {
        let Ok(text) = fs::read_to_string(file) else {
            continue; // not UTF-8: not a source or doc file
        };
        let shown = file.strip_prefix(&root).unwrap_or(file).display();
        for (at, _) in text.match_indices(DOC) {
            let after = &text[at + DOC.len()..];
            for number in cited_sections(after) {
                citations += 1;
                if !sections.contains_key(&number) {
                    problems.push(format!(
                        "{shown}:{}: cites {DOC} §{number}, which has no such heading",
                        line_of(&text, at)
                    ));
                }
            }
        }
        for (at, _) in text.match_indices(OLD) {
            let after = text[at + OLD.len()..].trim_start_matches(".md");
            if skip_gap(after).starts_with('§') {
                problems.push(format!(
                    "{shown}:{}: cites the research notes by section; cite {DOC} §N instead",
                    line_of(&text, at)
                ));
            }
        }
    }
    assert!(
        citations > 0,
        "no {DOC} citation found under {}: is the walk broken?",
        root.display()
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn citation_forms_are_parsed() {
    assert_eq!(cited_sections(" §6.5)."), ["6.5"]);
    assert_eq!(cited_sections("` §1, the PIN"), ["1"]);
    assert_eq!(cited_sections(" §6.4–6.5):"), ["6.4", "6.5"]);
    assert_eq!(cited_sections(" §7–§9)."), ["7", "9"]);
    assert_eq!(cited_sections(" §6.2/§6.3)."), ["6.2", "6.3"]);
    assert_eq!(
        cited_sections(" §3, §4, §10 and §11, in the"),
        ["3", "4", "10", "11"]
    );
    assert_eq!(cited_sections(" §5.2."), ["5.2"]);
    assert_eq!(cited_sections(" §2.4 D: the"), ["2.4"]);
    assert_eq!(cited_sections(" §6.5, 3 times"), ["6.5"]);
    assert_eq!(cited_sections("\n//! §12.3 and more"), ["12.3"]);
    assert!(cited_sections(" \"unknown outcome\"").is_empty());
    let mut problems = Vec::new();
    let h = headings(
        "# Title\n## 1 One\n### 1.3 Sub\n```\n## 9 in code\n```\n## 6.5 Unknown outcome\n",
        &mut problems,
    );
    assert_eq!(h.keys().collect::<Vec<_>>(), ["1", "1.3", "6.5"]);
    assert!(problems.is_empty());
}
