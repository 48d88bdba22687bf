use super::append::*;
use super::record::*;
use super::verify::*;
use super::*;
use crate::secret::SecretKey32;

fn key() -> MacKey {
    MacKey::derive(&SecretKey32::from_bytes([7; 32]), "ring")
}

fn record(seq: u64, prev: String) -> Record {
    Record {
        seq,
        time: "2026-11-29T00:00:00Z".into(),
        op: "keygen".into(),
        key: Some("k".into()),
        versions: vec![1],
        outcome: "ok".into(),
        user: "u".into(),
        uid: 1,
        host: "h".into(),
        root_identity: None,
        detail: None,
        prev,
    }
}

/// A log of `n` records and the matching state.
fn log(n: u64) -> (Vec<Vec<u8>>, AuditState) {
    let k = key();
    let mut prev = genesis("ring");
    let mut lines = Vec::new();
    for seq in 1..=n {
        let line = encode(&record(seq, prev.clone()), &k);
        prev = line_hash(&line);
        lines.push(line);
    }
    let state = AuditState {
        seq: n,
        last: if n == 0 { String::new() } else { prev },
        key: String::new(),
        kek_version: 1,
        usage: false,
    };
    (lines, state)
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect()
}

#[test]
fn a_good_log_verifies_and_lines_end_with_their_mac() {
    let (lines, state) = log(5);
    assert!(lines[0].ends_with(b"\"}"));
    assert!(find_last(&lines[0], MAC_FIELD).is_some());
    let v = verify_bytes(&join(&lines), "ring", &state, &key());
    assert_eq!(v.problem, None);
    assert_eq!(v.records, 5);
    assert!(v.uncommitted.is_empty());
}

#[test]
fn each_kind_of_damage_is_named() {
    let (lines, state) = log(5);
    let k = key();
    // Edited: one byte of record 3.
    let mut edited = lines.clone();
    let at = edited[2].iter().position(|&b| b == b'k').unwrap();
    edited[2][at] = b'j';
    assert_eq!(
        verify_bytes(&join(&edited), "ring", &state, &k).problem,
        Some(Problem::Edited {
            line: 3,
            seq: Some(3)
        })
    );
    // Removed: record 3.
    let mut removed = lines.clone();
    removed.remove(2);
    assert_eq!(
        verify_bytes(&join(&removed), "ring", &state, &k).problem,
        Some(Problem::Removed {
            line: 3,
            first: 3,
            last: 3
        })
    );
    // Reordered: records 3 and 4 swapped.
    let mut swapped = lines.clone();
    swapped.swap(2, 3);
    assert_eq!(
        verify_bytes(&join(&swapped), "ring", &state, &k).problem,
        Some(Problem::Reordered { line: 3, seq: 4 })
    );
    // Truncated: the last two gone.
    assert_eq!(
        verify_bytes(&join(&lines[..3]), "ring", &state, &k).problem,
        Some(Problem::Truncated {
            last: 3,
            expected: 5
        })
    );
    // Another keyring's key or genesis: edited at line 1.
    let other = MacKey::derive(&SecretKey32::from_bytes([8; 32]), "ring");
    assert_eq!(
        verify_bytes(&join(&lines), "ring", &state, &other).problem,
        Some(Problem::Edited {
            line: 1,
            seq: Some(1)
        })
    );
    assert_eq!(
        verify_bytes(&join(&lines), "other", &state, &k).problem,
        Some(Problem::Edited {
            line: 1,
            seq: Some(1)
        })
    );
    // A MAC moved from one record to another.
    let mut moved = lines.clone();
    let mac0 = lines[0][find_last(&lines[0], MAC_FIELD).unwrap()..].to_vec();
    let at = find_last(&moved[1], MAC_FIELD).unwrap();
    moved[1].truncate(at);
    moved[1].extend_from_slice(&mac0);
    assert_eq!(
        verify_bytes(&join(&moved), "ring", &state, &k).problem,
        Some(Problem::Edited {
            line: 2,
            seq: Some(2)
        })
    );
}

/// The fuzzer's seed logs (`fuzz/corpus/audit_log`) are logs of this
/// key and keyring id, so that mutations get past the MAC to the chain
/// and sequence checks. `KEYCASK_WRITE_SEEDS=1` rewrites them.
#[test]
fn fuzz_seed_logs_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/audit_log");
    let (lines, _) = log(5);
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    let mut partial = join(&lines[..3]);
    partial.extend_from_slice(&lines[3][..40]);
    let seeds = [
        ("valid-1", join(&lines[..1])),
        ("valid-5", join(&lines)),
        ("swapped", join(&swapped)),
        ("partial", partial),
    ];
    for (name, bytes) in seeds {
        let path = dir.join(name);
        if std::env::var_os("KEYCASK_WRITE_SEEDS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name}: KEYCASK_WRITE_SEEDS=1 cargo test fuzz_seed"
        );
    }
}

/// A writer reads the log from its end, growing its window until it
/// reaches the keyring's last record: here 99 records (about 25 KiB)
/// past it, as after a restored keyring.
#[test]
fn a_writer_reaches_back_past_many_uncommitted_records() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = dir.path().join("k.json");
    let (lines, _) = log(100);
    std::fs::write(log_path(&keyring), join(&lines)).unwrap();
    assert!(join(&lines).len() > 3 * 8 * 1024);
    let (_, state1) = log(1);
    let (seq, last) = append(
        &keyring,
        "ring",
        &state1,
        &key(),
        &[Event::new("keygen").key("k2")],
        1_800_000_000,
    )
    .unwrap();
    assert_eq!(seq, 102);
    let bytes = std::fs::read(log_path(&keyring)).unwrap();
    let state = AuditState {
        seq,
        last,
        key: String::new(),
        kek_version: 1,
        usage: false,
    };
    let verdict = verify_bytes(&bytes, "ring", &state, &key());
    assert_eq!(verdict.problem, None);
    assert_eq!(verdict.records, 102);
    let text = String::from_utf8(bytes).unwrap();
    let marker = text.lines().nth(100).unwrap();
    assert!(marker.contains("records 2-100 were written"), "{marker}");
    // And a keyring whose last record is not in the log is refused.
    let (_, state200) = log(200);
    let err = append(&keyring, "ring", &state200, &key(), &[], 1_800_000_000).unwrap_err();
    assert!(
        format!("{err:#}").contains("ends before record 200"),
        "{err:#}"
    );
}

#[test]
fn records_past_the_counter_are_uncommitted_not_bad() {
    let (lines, _) = log(5);
    let (_, state3) = log(3);
    let mut bytes = join(&lines);
    bytes.extend_from_slice(b"{\"seq\":6,\"ti");
    let v = verify_bytes(&bytes, "ring", &state3, &key());
    assert_eq!(v.problem, None);
    assert_eq!(v.uncommitted, vec![4, 5]);
    assert!(v.partial_line);
}
