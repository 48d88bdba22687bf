use crate::util::TestDir;

#[test]
fn keygen_each_type_and_list_shows_them() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"])
        .ok()
        .stdout_has("created key backups (aes256-gcm, encrypt) version 1");
    t.run(&[
        "keygen",
        "release-signing",
        "--type",
        "p256",
        "--purpose",
        "sign",
    ])
    .ok()
    .stdout_has("public key fingerprint SHA256:");
    t.run(&[
        "keygen",
        "partner",
        "--type",
        "rsa-2048",
        "--purpose",
        "transport",
        "--rotate-every",
        "90d",
    ])
    .ok();
    let list = t.run(&["list", "--json"]).ok().json();
    assert_eq!(list["schema"], "keycask.list/1");
    let names: Vec<&str> = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["backups", "partner", "release-signing"]);
    assert_eq!(list["keys"][1]["algorithm"], "rsa-2048");
    assert_eq!(list["keys"][1]["purpose"], "transport");
    assert_eq!(list["keys"][1]["rotation_period"], "90d");
}

#[test]
fn keygen_refuses_bad_input_and_leaves_keyring_unchanged() {
    let t = TestDir::new();
    t.init_keyfile();
    t.run(&["keygen", "backups"]).ok();
    let before = t.keyring_bytes();
    let too_long = "a".repeat(65);
    let cases: &[(&[&str], i32, &str)] = &[
        (&["keygen", "backups"], 2, "already exists"),
        (&["keygen", ""], 2, "invalid key name"),
        (&["keygen", "Backups"], 2, "invalid key name"),
        (&["keygen", "../x"], 2, "invalid key name"),
        (&["keygen", &too_long], 2, "invalid key name"),
        (
            &["keygen", "x", "--type", "rsa-1024"],
            2,
            "1024 bits are refused",
        ),
        (
            &["keygen", "x", "--type", "ed448"],
            2,
            "unknown key type 'ed448'",
        ),
        (
            &[
                "keygen",
                "x",
                "--type",
                "aes256-gcm",
                "--purpose",
                "transport",
            ],
            2,
            "cannot have purpose transport",
        ),
        (
            &["keygen", "x", "--purpose", "sign"],
            2,
            "cannot have purpose sign",
        ),
        (
            &["keygen", "x", "--rotate-every", "90"],
            2,
            "not a duration",
        ),
    ];
    for (args, code, needle) in cases {
        t.run(args).fails(*code, needle);
        assert_eq!(t.keyring_bytes(), before, "keyring changed by {args:?}");
    }
    t.run(&["keygen", "backups"])
        .fails(2, "keycask rotate backups");
}
