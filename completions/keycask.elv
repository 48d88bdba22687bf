
use builtin;
use str;

set edit:completion:arg-completer[keycask] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'keycask'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'keycask'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create a keyring with a root key'
            cand keygen 'Generate a new named key'
            cand list 'List the keys (metadata only; no unlock needed)'
            cand show 'Show one key and its versions (metadata only; no unlock needed)'
            cand audit 'Show the audit log, or verify its chain and MACs'
            cand config 'Change a keyring setting'
            cand rotate 'Rotate a key (new primary version), every key that is due, the KEK, or the root'
            cand rekey 'Re-wrap envelopes to their key''s primary version (header only), or re-encrypt them with a fresh content key (--reencrypt)'
            cand enable 'Enable a disabled version of a key again'
            cand disable 'Disable a version of a key: it refuses all use until enabled again'
            cand destroy 'Destroy a key version or a whole key, scheduled or at once'
            cand wrap 'Encrypt data under a fresh content key wrapped by a key (envelope)'
            cand encrypt 'Encrypt data under a fresh content key wrapped by a key (envelope)'
            cand unwrap 'Decrypt an envelope made by `wrap` (binary or armored)'
            cand decrypt 'Decrypt an envelope made by `wrap` (binary or armored)'
            cand inspect 'Show envelope headers without unlocking anything'
            cand datakey 'A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)'
            cand export 'Export a public key (PEM, JWK), or a key sealed to a recipient'
            cand import 'Import a sealed key bundle, or bring your own key (raw AES, PEM)'
            cand sign 'Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)'
            cand verify 'Verify a signature with a key of the keyring or any public key PEM'
            cand agent 'Start an agent that holds unlocked keyrings for a while (like ssh-agent)'
            cand unlock 'Unlock the keyring once; the agent holds its KEK for a while'
            cand lock 'Make the agent forget the keyring now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keycask;init'= {
            cand --root 'The root key: `passphrase`, `keyfile:PATH` (created 0600 with 32 random bytes if absent, adopted if it holds exactly 32 bytes), or a PKCS#11 URI `pkcs11:token=..;object=..` (an AES-256 key in an HSM, generated there if no object has that label), or an OpenBao/Vault Transit key `transit:https://HOST:8200/v1/transit/keys/NAME` (token from VAULT_TOKEN, BAO_TOKEN or ~/.vault-token, or an AppRole login)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --audit-usage 'Log usage (wrap, unwrap, datakey, sign, export) in the audit log too, not only changes; each use then writes the keyring'
            cand --allow-weak-passphrase 'Accept a new passphrase shorter than 12 characters from a file, a descriptor or a variable (at a terminal it only gets a warning)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;keygen'= {
            cand --type 'Key type: aes256-gcm, p256, rsa-2048, rsa-3072 or rsa-4096'
            cand --purpose 'What the key may be used for [default: encrypt for aes256-gcm, sign for p256 and rsa-*]'
            cand --rotate-every 'Rotation period, e.g. 90d, 12h, 2w, 1y, at most 100y (`rotate --due` rotates the keys that are due)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;list'= {
            cand --purpose 'With --names: only the keys of this purpose (what `-k` of wrap, sign or `import --with` accepts), without destroyed keys'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --names 'Print only the key names, one per line (for shell completion; reads the keyring without unlocking it)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;show'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;audit'= {
            cand --key 'Only records about this key'
            cand --since 'Only records at or after this time (RFC 3339, or a date like 2026-11-29; a time without an offset is UTC)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand verify 'Check every record''s MAC, the hash chain, and the end of the log against the keyring''s counter (unlocks the keyring)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keycask;audit;verify'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;audit;help'= {
            cand verify 'Check every record''s MAC, the hash chain, and the end of the log against the keyring''s counter (unlocks the keyring)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keycask;audit;help;verify'= {
        }
        &'keycask;audit;help;help'= {
        }
        &'keycask;config'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand audit-usage 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keycask;config;audit-usage'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;config;help'= {
            cand audit-usage 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keycask;config;help;audit-usage'= {
        }
        &'keycask;config;help;help'= {
        }
        &'keycask;rotate'= {
            cand --reason 'Why the versions are compromised (recorded with the flag)'
            cand --to 'With --root: the new root, `passphrase`, `keyfile:PATH`, `pkcs11:URI` or `transit:URL` [default: the current root when it is a passphrase (a new one) or Transit (re-wrap under its latest version)]'
            cand --new-passphrase-file 'With --root: read the new passphrase from this file instead of the terminal'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --compromised 'Flag every older version of NAME as compromised: they still decrypt, with a warning at each use'
            cand --due 'Rotate every key whose primary version is older than its period'
            cand --dry-run 'With --due: say what would be rotated, change nothing'
            cand --kek 'New KEK version; every key version''s material is re-wrapped under it'
            cand --root 'Re-wrap the KEK under a new root: a new passphrase, or another kind of root with --to'
            cand --allow-weak-passphrase 'Accept a new passphrase shorter than 12 characters from a file, a descriptor or a variable (at a terminal it only gets a warning)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;rekey'= {
            cand -j 'Files rekeyed in parallel [default: the number of cores]'
            cand --jobs 'Files rekeyed in parallel [default: the number of cores]'
            cand --to 'With --reencrypt: the public key (PEM) of a recipient that is not a key of this keyring, to seal the new envelopes to again (repeatable)'
            cand --drop-recipient 'With --reencrypt: leave this recipient (SHA256:<hex>, as `inspect` shows it) out of the new envelopes (repeatable)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --dry-run 'Change nothing; report per key and version how many envelopes still depend on it'
            cand --reencrypt 'Decrypt each envelope and encrypt it again under its key''s primary version, with a fresh content key and salt (after a compromise: header-only rekey keeps the content key)'
            cand --force 'With --reencrypt: also envelopes already under a primary version that is not compromised'
            cand --only-compromised 'With --reencrypt: only envelopes under a compromised version'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;enable'= {
            cand --version 'The version number'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;disable'= {
            cand --version 'The version number'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;destroy'= {
            cand --version 'The version to destroy (never the primary: rotate first)'
            cand --after 'Schedule the destruction this far ahead (e.g. 7d, 30d, 12h; at most 100y); the version is disabled at once and can be restored with --cancel'
            cand --reason 'Why, kept in the tombstone and shown in errors'
            cand --check 'Refuse while an envelope under PATH (a file or a folder, searched recursively) still needs a version being destroyed; repeatable'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --now 'Destroy at once; this cannot be undone'
            cand -y 'Do not ask to type the key name (for scripts)'
            cand --yes 'Do not ask to type the key name (for scripts)'
            cand --rotate-kek 'With --now: rotate the KEK in the same write, so that older copies of the keyring open only with the root as it was'
            cand --cancel 'Cancel a scheduled destruction: the version(s) become enabled again'
            cand --pending 'Carry out the scheduled destructions that fell due (for cron)'
            cand --dry-run 'With --pending: say what would be destroyed, change nothing (with KEYCASK_NOW, as of that time)'
            cand --purge 'Remove the tombstone of a destroyed key, so that its name can be used again'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;wrap'= {
            cand -k 'The key to encrypt to (purpose encrypt)'
            cand --key 'The key to encrypt to (purpose encrypt)'
            cand --to 'Also seal to this public key (PEM; repeatable)'
            cand -o 'Write to FILE instead of stdout'
            cand --output 'Write to FILE instead of stdout'
            cand -c 'Encryption context (repeatable; not secret)'
            cand --context 'Encryption context (repeatable; not secret)'
            cand --chunk-size 'Plaintext bytes per chunk (64 to 16777216)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand -a 'Write ASCII armor instead of binary'
            cand --armor 'Write ASCII armor instead of binary'
            cand --no-progress 'No progress bar, even on a terminal'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;encrypt'= {
            cand -k 'The key to encrypt to (purpose encrypt)'
            cand --key 'The key to encrypt to (purpose encrypt)'
            cand --to 'Also seal to this public key (PEM; repeatable)'
            cand -o 'Write to FILE instead of stdout'
            cand --output 'Write to FILE instead of stdout'
            cand -c 'Encryption context (repeatable; not secret)'
            cand --context 'Encryption context (repeatable; not secret)'
            cand --chunk-size 'Plaintext bytes per chunk (64 to 16777216)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand -a 'Write ASCII armor instead of binary'
            cand --armor 'Write ASCII armor instead of binary'
            cand --no-progress 'No progress bar, even on a terminal'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;unwrap'= {
            cand -k 'Fail (exit 4) unless key NAME of this keyring opens the envelope'
            cand --key 'Fail (exit 4) unless key NAME of this keyring opens the envelope'
            cand -o 'Write to FILE (mode 0600, created only on success) instead of stdout'
            cand --output 'Write to FILE (mode 0600, created only on success) instead of stdout'
            cand --expect-context 'Fail unless the envelope''s context holds this key=value pair (repeatable)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --no-progress 'No progress bar, even on a terminal'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;decrypt'= {
            cand -k 'Fail (exit 4) unless key NAME of this keyring opens the envelope'
            cand --key 'Fail (exit 4) unless key NAME of this keyring opens the envelope'
            cand -o 'Write to FILE (mode 0600, created only on success) instead of stdout'
            cand --output 'Write to FILE (mode 0600, created only on success) instead of stdout'
            cand --expect-context 'Fail unless the envelope''s context holds this key=value pair (repeatable)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --no-progress 'No progress bar, even on a terminal'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;inspect'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;datakey'= {
            cand -k 'The key that wraps the data key (purpose encrypt)'
            cand --key 'The key that wraps the data key (purpose encrypt)'
            cand -c 'Encryption context for the wrapped data key (repeatable)'
            cand --context 'Encryption context for the wrapped data key (repeatable)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --wrapped-only 'Print only the wrapped (armored) data key, not the plaintext'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;export'= {
            cand --format 'Output format of --public: pem or jwk'
            cand --to 'Seal the key''s material to this recipient public key (SPKI PEM of a P-256 or RSA >= 2048 key), making a key bundle'
            cand --sign-with 'Sign the bundle with this sign-purpose key of the keyring'
            cand --version 'The version [default: the primary for --public; every enabled version for --to]'
            cand -o 'Write to this file instead of stdout'
            cand --output 'Write to this file instead of stdout'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --public 'Export the public key (SPKI PEM, or JWK with --format jwk)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;import'= {
            cand --bundle 'A key bundle made by `keycask export --to` (`-` for stdin)'
            cand --with 'The transport-purpose key of this keyring the bundle is sealed to'
            cand --verify-with 'Require a valid signature of the bundle by this public key (PEM)'
            cand --as 'Import the bundle''s key under this name'
            cand --raw 'A symmetric key: 32 raw bytes, or 64 hex digits, or base64 (`-` for stdin)'
            cand --type 'Key type of --raw (only aes256-gcm)'
            cand --pem 'A private key in PEM: PKCS#8, SEC1 (P-256) or PKCS#1 (RSA); `-` for stdin'
            cand --purpose 'Purpose of the imported key [default: encrypt for aes256-gcm, sign for P-256 and RSA]'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --add-unverified-versions 'Let a bundle whose signature was not verified (--verify-with) add versions to a key that already exists here'
            cand --make-primary 'Make the sender''s primary version the primary of a key that already exists here (a new key always follows the sender''s primary)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;sign'= {
            cand -k 'The sign-purpose key; its primary version signs'
            cand --key 'The sign-purpose key; its primary version signs'
            cand -o 'Write the signature to this file instead of stdout'
            cand --output 'Write the signature to this file instead of stdout'
            cand --scheme 'RSA padding: pss (salt length 32) or pkcs1v15 for legacy verifiers [default for RSA keys: pss; refused for P-256 keys]'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;verify'= {
            cand -k 'A sign-purpose key of the keyring (any enabled version may match)'
            cand --key 'A sign-purpose key of the keyring (any enabled version may match)'
            cand --public-key 'A public key in PEM (P-256, or RSA of 2048 bits or more)'
            cand --signature 'The signature file (DER ECDSA, or raw RSA)'
            cand --scheme 'RSA padding: pss (salt length 32 exactly) or pkcs1v15 [default for RSA keys: pss; refused for P-256 keys]'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;agent'= {
            cand --exit-with 'Stop when this process ends (such as the login shell: --exit-with $$)'
            cand --confirm-timeout 'How long a use of a keyring unlocked with --confirm waits for its yes before it is refused: 30s, 2m; at most 5m'
            cand --socket 'The socket to bind (set by `keycask agent` for the agent it starts)'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --foreground 'Stay in the foreground and log to stderr (the shell lines are printed all the same)'
            cand -k 'Stop the agent named by KEYCASK_AGENT_PID, as `ssh-agent -k` does'
            cand --kill 'Stop the agent named by KEYCASK_AGENT_PID, as `ssh-agent -k` does'
            cand --daemon 'Run as the background agent (set by `keycask agent`)'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;unlock'= {
            cand --for 'How long the agent holds the keyring: 90s, 30m, 2h; at most 12h'
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --confirm 'Ask before each use, on the agent''s terminal or through its KEYCASK_ASKPASS program (as `ssh-add -c`); a no fails the command'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;lock'= {
            cand --keyring 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]'
            cand --passphrase-file 'Read the passphrase from this file (one trailing newline is ignored)'
            cand --passphrase-fd 'Read the passphrase from this open file descriptor'
            cand --keyfile 'The root key file, instead of the path recorded in the keyring'
            cand --pin-file 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)'
            cand --pkcs11-module 'The PKCS#11 module (.so) to load, instead of the URI''s module-path'
            cand --all 'Every keyring the agent holds, not only this one'
            cand --json 'Print machine-readable JSON on stdout'
            cand -q 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand --quiet 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'keycask;help'= {
            cand init 'Create a keyring with a root key'
            cand keygen 'Generate a new named key'
            cand list 'List the keys (metadata only; no unlock needed)'
            cand show 'Show one key and its versions (metadata only; no unlock needed)'
            cand audit 'Show the audit log, or verify its chain and MACs'
            cand config 'Change a keyring setting'
            cand rotate 'Rotate a key (new primary version), every key that is due, the KEK, or the root'
            cand rekey 'Re-wrap envelopes to their key''s primary version (header only), or re-encrypt them with a fresh content key (--reencrypt)'
            cand enable 'Enable a disabled version of a key again'
            cand disable 'Disable a version of a key: it refuses all use until enabled again'
            cand destroy 'Destroy a key version or a whole key, scheduled or at once'
            cand wrap 'Encrypt data under a fresh content key wrapped by a key (envelope)'
            cand unwrap 'Decrypt an envelope made by `wrap` (binary or armored)'
            cand inspect 'Show envelope headers without unlocking anything'
            cand datakey 'A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)'
            cand export 'Export a public key (PEM, JWK), or a key sealed to a recipient'
            cand import 'Import a sealed key bundle, or bring your own key (raw AES, PEM)'
            cand sign 'Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)'
            cand verify 'Verify a signature with a key of the keyring or any public key PEM'
            cand agent 'Start an agent that holds unlocked keyrings for a while (like ssh-agent)'
            cand unlock 'Unlock the keyring once; the agent holds its KEK for a while'
            cand lock 'Make the agent forget the keyring now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keycask;help;init'= {
        }
        &'keycask;help;keygen'= {
        }
        &'keycask;help;list'= {
        }
        &'keycask;help;show'= {
        }
        &'keycask;help;audit'= {
            cand verify 'Check every record''s MAC, the hash chain, and the end of the log against the keyring''s counter (unlocks the keyring)'
        }
        &'keycask;help;audit;verify'= {
        }
        &'keycask;help;config'= {
            cand audit-usage 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes'
        }
        &'keycask;help;config;audit-usage'= {
        }
        &'keycask;help;rotate'= {
        }
        &'keycask;help;rekey'= {
        }
        &'keycask;help;enable'= {
        }
        &'keycask;help;disable'= {
        }
        &'keycask;help;destroy'= {
        }
        &'keycask;help;wrap'= {
        }
        &'keycask;help;unwrap'= {
        }
        &'keycask;help;inspect'= {
        }
        &'keycask;help;datakey'= {
        }
        &'keycask;help;export'= {
        }
        &'keycask;help;import'= {
        }
        &'keycask;help;sign'= {
        }
        &'keycask;help;verify'= {
        }
        &'keycask;help;agent'= {
        }
        &'keycask;help;unlock'= {
        }
        &'keycask;help;lock'= {
        }
        &'keycask;help;help'= {
        }
    ]
    $completions[$command]
}
