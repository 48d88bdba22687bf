use std::os::unix::fs::PermissionsExt;

use crate::util::TestDir;

#[test]
fn init_creates_a_private_keyring_and_refuses_to_overwrite() {
    let t = TestDir::new();
    t.init_keyfile();
    let mode = std::fs::metadata(t.keyring()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let key_mode = std::fs::metadata(t.join("root.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(key_mode & 0o777, 0o600);
    let before = t.keyring_bytes();
    t.run(&["init", "--root", "keyfile:other.key"])
        .fails(5, "already exists");
    assert_eq!(t.keyring_bytes(), before);
    assert!(!t.join("other.key").exists());
}
