//! One-click install links: opening one asks the host to add the npx form of the
//! entry, so nobody edits JSON and no binary path is involved.

use serde_json::json;

use super::entry::name_and_args;
use super::error::SetupError;
use crate::setup_hosts::{LinkForm, NPM_PACKAGE, SetupHost};

/// The host's install link for the npx form of the entry for `profile`.
pub fn install_link(host: &SetupHost, profile: Option<&str>) -> Result<String, SetupError> {
    let (name, profile_args) = name_and_args(profile);
    let mut args = vec!["-y".to_string(), NPM_PACKAGE.to_string()];
    args.extend(profile_args);
    match host.link {
        // The mcp.json entry, base64-encoded, plus the name.
        LinkForm::CursorDeeplink => {
            let config = json!({"command": "npx", "args": args}).to_string();
            Ok(format!(
                "cursor://anysphere.cursor-deeplink/mcp/install?name={}&config={}",
                percent_encode(&name),
                percent_encode(&base64(config.as_bytes()))
            ))
        }
        // The entry with its name, as URL-encoded JSON.
        LinkForm::VscodeUrl => {
            let config =
                json!({"name": name, "type": "stdio", "command": "npx", "args": args}).to_string();
            Ok(format!("vscode:mcp/install?{}", percent_encode(&config)))
        }
        LinkForm::Unavailable(instead) => Err(SetupError::NoLink {
            title: host.title,
            instead,
        }),
    }
}

/// Standard base64 with padding (RFC 4648), as Cursor decodes its `config`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encoding of everything but JavaScript's `encodeURIComponent` set, which
/// is what the hosts' own link generators use.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> &'static SetupHost {
        SetupHost::named(name).unwrap()
    }

    #[test]
    fn base64_and_percent_encoding_match_the_references() {
        // RFC 4648 test vectors; encodeURIComponent's results.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
        assert_eq!(
            percent_encode(r#"{"a": "@x/y"}+=é"#),
            "%7B%22a%22%3A%20%22%40x%2Fy%22%7D%2B%3D%C3%A9"
        );
        assert_eq!(percent_encode("A-z_0.9!~*'()"), "A-z_0.9!~*'()");
    }

    #[test]
    fn install_links_carry_the_npx_entry() {
        let link = install_link(host("vscode"), None).unwrap();
        assert_eq!(
            link,
            "vscode:mcp/install?%7B%22name%22%3A%22digiusher%22%2C%22type%22%3A%22stdio%22%2C%22command%22%3A%22npx%22%2C%22args%22%3A%5B%22-y%22%2C%22%40digiusher%2Fmcp%22%5D%7D"
        );
        let link = install_link(host("cursor"), Some("work")).unwrap();
        let (head, config) = link.split_once("&config=").unwrap();
        assert_eq!(
            head,
            "cursor://anysphere.cursor-deeplink/mcp/install?name=digiusher-work"
        );
        let json = r#"{"command":"npx","args":["-y","@digiusher/mcp","--profile","work"]}"#;
        assert_eq!(config, percent_encode(&base64(json.as_bytes())));
    }

    #[test]
    fn hosts_without_a_link_say_what_to_do_instead() {
        let said = |name| install_link(host(name), None).unwrap_err().to_string();
        assert_eq!(
            said("claude-desktop"),
            "Claude Desktop has no install link: install the .mcpb bundle by double-clicking it, or run `digiusher-mcp setup claude-desktop`."
        );
        assert_eq!(
            said("claude-code"),
            "Claude Code has no install link: run `claude mcp add --scope user digiusher -- npx -y @digiusher/mcp`, or `digiusher-mcp setup claude-code`."
        );
    }
}
