//! The deploy configs and the README send and show the policy `serve` and the agent send, so
//! they cannot drift apart.

use nomad_proxy::CONTENT_SECURITY_POLICY;

#[test]
fn deploy_configs_and_the_readme_carry_the_same_policy() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    for file in ["deploy/nginx.conf", "deploy/Caddyfile", "README.md"] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
        assert!(text.contains(CONTENT_SECURITY_POLICY), "{file} does not carry the policy:\n{CONTENT_SECURITY_POLICY}");
    }
}
