//! The redaction unit tests: the embedded rules against their examples, every kind of secret the
//! issue names, what diagnosis needs kept, counting, random secrets in realistic lines (a
//! property test), and extra rule files.

use super::*;

fn r(s: &str) -> String {
    Redactor::embedded().redact(s).0.into_owned()
}

#[test]
fn embedded_rules_pass_their_examples() {
    let failures = Redactor::embedded().test_examples();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn covers_every_kind_of_secret_the_issue_names() {
    let cases = [
        ("postgres://app:PASS@host", "postgres://app:****@host"),
        (
            "Authorization: Bearer abcdefgh",
            "Authorization: Bearer ****",
        ),
        (
            "Proxy-Authorization: Basic dXNlcjpwYXNz",
            "Proxy-Authorization: Basic ****",
        ),
        ("key AKIAIOSFODNN7EXAMPLE", "key ****"),
        (
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SECRET_ACCESS_KEY=****",
        ),
        ("ghp_0123456789abcdefghijklmnopqrstuvwxyz", "****"),
        ("glpat-0123456789abcdefghij", "****"),
        ("xoxp-0123456789-abcdef", "****"),
        ("sk_live_0123456789abcdefgh", "****"),
        ("AIzaSyA-1234567890abcdefghijklmnopqrstu", "****"),
        ("passwd=x1", "passwd=****"),
        ("pwd: x1", "pwd: ****"),
        ("secret=x1", "secret=****"),
        ("token=x1", "token=****"),
        ("apiKey=x1", "apiKey=****"),
        ("access-key=x1", "access-key=****"),
        ("client_secret=x1", "client_secret=****"),
        ("credentials=x1", "credentials=****"),
        (r#"{"token":"x1"}"#, r#"{"token":"****"}"#),
    ];
    for (input, want) in cases {
        assert_eq!(r(input), want, "input {input:?}");
    }
}

#[test]
fn keeps_what_diagnosis_needs() {
    for keep in [
        r#"secret "db-creds" not found"#,
        r#"Error: secret "x" not found"#,
        "couldn't find key password in Secret ns/name",
        r#"pq: password authentication failed for user "app""#,
        "dial tcp db.shop.svc:5432: connect: connection refused",
        "Error: configmap \"app-config\" not found",
        r#"Failed to pull image "registry.example.com:5000/shop/api:1.2": unauthorized"#,
    ] {
        assert_eq!(r(keep), keep);
    }
}

#[test]
fn counts_each_value_once() {
    let (text, n) = Redactor::embedded()
        .redact("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY user=a password=b");
    assert_eq!(text, "aws_secret_access_key=**** user=a password=****");
    assert_eq!(n, 2);
}

/// A small deterministic generator (xorshift64*): no dependency, same cases every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn string(&mut self, alphabet: &[u8], min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Printable ASCII a password may hold, minus whitespace and quotes.
const PASSWORD: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&*+,-./:;<=>?@[]^_{|}~";

/// Random secrets of every kind inside realistic lines: none may survive, in whole or as
/// an 8-byte piece. `PODMORTEM_REDACT_CASES` runs more (default 3,000).
#[test]
fn property_random_secrets_in_realistic_lines_never_survive() {
    let cases: usize = std::env::var("PODMORTEM_REDACT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let r = Redactor::embedded();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..cases {
        // A password starts with a letter so it is never a placeholder like `no` or `${X}`.
        let pw = format!("p{}", rng.string(PASSWORD, 7, 24));
        let url_pw = pw.replace(['/', '?', '#', '<', '>'], "x");
        let json_pw = pw.replace('\\', "x");
        let jwt = format!(
            "eyJ{}.eyJ{}.{}",
            rng.string(B64URL, 10, 40),
            rng.string(B64URL, 10, 80),
            rng.string(B64URL, 20, 60)
        );
        let (line, secret) = match i % 14 {
            0 => (format!("time=\"2026-01-10T17:11:41Z\" level=error msg=\"connect failed\" dsn=\"postgres://app:{url_pw}@db.shop.svc:5432/shop\""), url_pw),
            1 => (format!("Caused by: java.sql.SQLException: Access denied for user 'app'@'10.0.0.3' (using password: YES) jdbc.password={pw}"), pw),
            2 => (format!("{{\"level\":\"error\",\"password\":\"{json_pw}\",\"msg\":\"login failed\"}}"), json_pw),
            3 => (format!("DB_PASSWORD: {pw}"), pw),
            4 => (format!("GET /v1/orders 401 Authorization: Bearer {jwt}"), jwt),
            5 => (format!("failed to verify {jwt}: token expired"), jwt),
            6 => {
                let k = format!("AKIA{}", rng.string(UPPER_DIGITS, 16, 16));
                (format!("export AWS_ACCESS_KEY_ID={k} region=eu-west-1"), k)
            }
            7 => {
                let k = rng.string(B64, 40, 40);
                (format!("aws_secret_access_key = {k}"), k)
            }
            8 => {
                let k = format!("ghp_{}", rng.string(ALNUM, 36, 36));
                (format!("fatal: could not read from 'https://{k}@github.com/shop/cfg.git'"), k)
            }
            9 => {
                let k = format!("glpat-{}", rng.string(ALNUM, 20, 20));
                (format!("git clone https://oauth2:{k}@gitlab.example.com/x.git failed"), k)
            }
            10 => {
                let k = format!("xoxb-{}-{}", rng.string(b"0123456789", 10, 12), rng.string(ALNUM, 24, 24));
                (format!("slack notify failed for {k}: invalid_auth"), k)
            }
            11 => {
                let k = format!("sk_live_{}", rng.string(ALNUM, 24, 24));
                (format!("stripe.error.AuthenticationError: Invalid API Key provided: {k}"), k)
            }
            12 => {
                let k = format!("AIza{}", rng.string(B64URL, 35, 35));
                (format!("maps: API key {k} rejected"), k)
            }
            _ => {
                let body = rng.string(B64, 64, 64);
                (format!("tls: bad key \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\""), body)
            }
        };
        let (out, n) = r.redact(&line);
        assert!(n >= 1, "case {i}: nothing redacted in {line:?}");
        let piece = &secret[secret.len().saturating_sub(8)..];
        assert!(
            !out.contains(&secret) && !out.contains(piece),
            "case {i}: secret {secret:?} survives in {out:?}"
        );
    }
}

#[test]
fn extra_rules_add_and_replace_by_id() {
    let extra = Redactor::from_yaml(
        "extra.yaml",
        "rules:\n  - id: jwt\n    kind: token\n    regex: '(?P<secret>never-matches-xyz)'\n    examples: [{in: never-matches-xyz, out: '****'}]\n  - id: acme\n    kind: token\n    regex: '(?P<secret>acme_[0-9]{4})'\n    examples: [{in: acme_1234, out: '****'}]\n",
    )
    .unwrap();
    let r = Redactor::embedded().extended(&extra);
    assert_eq!(r.redact("id acme_1234").0, "id ****");
    // The built-in `jwt` rule was replaced: a bare JWT is no longer recognised by it.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    assert_eq!(r.redact(jwt).0, jwt);
    assert_eq!(Redactor::embedded().redact(jwt).0, "****");
    assert_eq!(r.rules().count(), Redactor::embedded().rules().count() + 1);
}

#[test]
fn invalid_rules_name_the_file_and_rule() {
    let err = Redactor::from_yaml(
        "mine.yaml",
        "rules:\n  - id: x\n    kind: token\n    regex: 'abc'\n    examples: [{in: abc, out: '****'}]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("mine.yaml: rule x: "), "{err}");
    let err = Redactor::from_yaml("mine.yaml", "rules: 3")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("mine.yaml: invalid pattern pack"), "{err}");
}
