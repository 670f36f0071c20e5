//! The README's code is the code of the `downstream` crate, which the workspace builds and
//! tests: a snippet that stopped compiling, or drifted from the crate, fails here.

const README: &str = include_str!("../../README.md");

#[test]
fn the_readme_shows_the_downstream_crate_word_for_word() {
    for (file, code) in [
        (
            "downstream/src/main.rs",
            include_str!("../../downstream/src/main.rs"),
        ),
        (
            "downstream/tests/accounts.rs",
            include_str!("../../downstream/tests/accounts.rs"),
        ),
        (
            "downstream/examples/replicas.rs",
            include_str!("../../downstream/examples/replicas.rs"),
        ),
    ] {
        let block = format!("```rust\n{code}```");
        assert!(
            README.contains(&block),
            "the README does not show {file} as it is"
        );
    }
}

#[test]
fn every_rust_block_of_the_readme_is_a_file_of_the_downstream_crate() {
    let blocks = README.matches("```rust\n").count();
    assert_eq!(
        blocks, 3,
        "a Rust snippet of the README that no crate compiles"
    );
}
