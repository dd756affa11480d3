//! Why presign reads `~/.aws/config` with its own parser instead of the
//! `configparser` crate the design first named: set up as close to AWS CLI's
//! Python `RawConfigParser` as it allows (case kept, `=` and `:`, multi-line
//! values, no inline comments, `[DEFAULT]` cascading), the crate still accepts
//! files that AWS CLI refuses as "Unable to parse config file", and so would
//! sign with settings AWS CLI never uses. Each case below shows the crate
//! accepting a file and presign's parser refusing it, as AWS CLI does. If a
//! future version of the crate refuses them too, this test fails, and the
//! choice should be revisited.

use configparser::ini::Ini;
use presign::internals::ini;

fn crate_parser() -> Ini {
    let mut parser = Ini::new_cs();
    parser.set_multiline(true);
    parser.set_inline_comment_symbols(Some(&[]));
    parser.set_cascade_defaults(true);
    parser
}

#[test]
fn configparser_accepts_files_aws_cli_refuses() {
    for (what, text) in [
        (
            "the same section twice",
            "[default]\nregion = eu-west-1\n[default]\nregion = eu-west-2\n",
        ),
        (
            "the same key twice",
            "[default]\nregion = eu-west-1\nregion = eu-west-2\n",
        ),
        (
            "a line that is not a setting",
            "[default]\nregion = eu-west-1\nAKIDPASTEDHERE\n",
        ),
        (
            "a setting before any section",
            "region = eu-west-1\n[default]\n",
        ),
    ] {
        let accepted = crate_parser().read(text.to_owned());
        assert!(
            accepted.is_ok(),
            "configparser now refuses {what}: reconsider using it"
        );
        assert!(
            ini::parse(text).is_err(),
            "presign must refuse {what}, as AWS CLI does"
        );
    }
}

#[test]
fn configparser_merges_a_repeated_section_where_aws_cli_stops() {
    let text = "[default]\nregion = eu-west-1\n[default]\noutput = json\n";
    let mut parser = crate_parser();
    parser.read(text.to_owned()).unwrap();
    assert_eq!(
        parser.get("default", "region").as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(parser.get("default", "output").as_deref(), Some("json"));
    assert!(ini::parse(text).is_err());
}
