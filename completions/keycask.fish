# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keycask_global_optspecs
    string join \n keyring= passphrase-file= passphrase-fd= keyfile= pin-file= pkcs11-module= json q/quiet v/verbose h/help V/version
end

function __fish_keycask_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keycask_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keycask_using_subcommand
    set -l cmd (__fish_keycask_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keycask -n "__fish_keycask_needs_command" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_needs_command" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_needs_command" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_needs_command" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_needs_command" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_needs_command" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_needs_command" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_needs_command" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_needs_command" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_needs_command" -s V -l version -d 'Print version'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "init" -d 'Create a keyring with a root key'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "keygen" -d 'Generate a new named key'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "list" -d 'List the keys (metadata only; no unlock needed)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "show" -d 'Show one key and its versions (metadata only; no unlock needed)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "audit" -d 'Show the audit log, or verify its chain and MACs'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "config" -d 'Change a keyring setting'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "rotate" -d 'Rotate a key (new primary version), every key that is due, the KEK, or the root'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "rekey" -d 'Re-wrap envelopes to their key\'s primary version (header only), or re-encrypt them with a fresh content key (--reencrypt)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "enable" -d 'Enable a disabled version of a key again'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "disable" -d 'Disable a version of a key: it refuses all use until enabled again'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "destroy" -d 'Destroy a key version or a whole key, scheduled or at once'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "wrap" -d 'Encrypt data under a fresh content key wrapped by a key (envelope)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "encrypt" -d 'Encrypt data under a fresh content key wrapped by a key (envelope)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "unwrap" -d 'Decrypt an envelope made by `wrap` (binary or armored)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "decrypt" -d 'Decrypt an envelope made by `wrap` (binary or armored)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "inspect" -d 'Show envelope headers without unlocking anything'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "datakey" -d 'A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "export" -d 'Export a public key (PEM, JWK), or a key sealed to a recipient'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "import" -d 'Import a sealed key bundle, or bring your own key (raw AES, PEM)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "sign" -d 'Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "verify" -d 'Verify a signature with a key of the keyring or any public key PEM'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "agent" -d 'Start an agent that holds unlocked keyrings for a while (like ssh-agent)'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "unlock" -d 'Unlock the keyring once; the agent holds its KEK for a while'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "lock" -d 'Make the agent forget the keyring now'
complete -c keycask -n "__fish_keycask_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keycask -n "__fish_keycask_using_subcommand init" -l root -d 'The root key: `passphrase`, `keyfile:PATH` (created 0600 with 32 random bytes if absent, adopted if it holds exactly 32 bytes), or a PKCS#11 URI `pkcs11:token=..;object=..` (an AES-256 key in an HSM, generated there if no object has that label), or an OpenBao/Vault Transit key `transit:https://HOST:8200/v1/transit/keys/NAME` (token from VAULT_TOKEN, BAO_TOKEN or ~/.vault-token, or an AppRole login)' -r
complete -c keycask -n "__fish_keycask_using_subcommand init" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand init" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand init" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand init" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand init" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand init" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand init" -l audit-usage -d 'Log usage (wrap, unwrap, datakey, sign, export) in the audit log too, not only changes; each use then writes the keyring'
complete -c keycask -n "__fish_keycask_using_subcommand init" -l allow-weak-passphrase -d 'Accept a new passphrase shorter than 12 characters from a file, a descriptor or a variable (at a terminal it only gets a warning)'
complete -c keycask -n "__fish_keycask_using_subcommand init" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand init" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand init" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l type -d 'Key type: aes256-gcm, p256, rsa-2048, rsa-3072 or rsa-4096' -r
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l purpose -d 'What the key may be used for [default: encrypt for aes256-gcm, sign for p256 and rsa-*]' -r -f -a "encrypt\t''
sign\t''
transport\t''"
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l rotate-every -d 'Rotation period, e.g. 90d, 12h, 2w, 1y, at most 100y (`rotate --due` rotates the keys that are due)' -r
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand list" -l purpose -d 'With --names: only the keys of this purpose (what `-k` of wrap, sign or `import --with` accepts), without destroyed keys' -r -f -a "encrypt\t''
sign\t''
transport\t''"
complete -c keycask -n "__fish_keycask_using_subcommand list" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand list" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand list" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand list" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand list" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand list" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand list" -l names -d 'Print only the key names, one per line (for shell completion; reads the keyring without unlocking it)'
complete -c keycask -n "__fish_keycask_using_subcommand list" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand list" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand show" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand show" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand show" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand show" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand show" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand show" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand show" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand show" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l key -d 'Only records about this key' -r
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l since -d 'Only records at or after this time (RFC 3339, or a date like 2026-11-29; a time without an offset is UTC)' -r
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -f -a "verify" -d 'Check every record\'s MAC, the hash chain, and the end of the log against the keyring\'s counter (unlocks the keyring)'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check every record\'s MAC, the hash chain, and the end of the log against the keyring\'s counter (unlocks the keyring)'
complete -c keycask -n "__fish_keycask_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -f -a "audit-usage" -d 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes'
complete -c keycask -n "__fish_keycask_using_subcommand config; and not __fish_seen_subcommand_from audit-usage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from audit-usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "audit-usage" -d 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes'
complete -c keycask -n "__fish_keycask_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l reason -d 'Why the versions are compromised (recorded with the flag)' -r
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l to -d 'With --root: the new root, `passphrase`, `keyfile:PATH`, `pkcs11:URI` or `transit:URL` [default: the current root when it is a passphrase (a new one) or Transit (re-wrap under its latest version)]' -r
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l new-passphrase-file -d 'With --root: read the new passphrase from this file instead of the terminal' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l compromised -d 'Flag every older version of NAME as compromised: they still decrypt, with a warning at each use'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l due -d 'Rotate every key whose primary version is older than its period'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l dry-run -d 'With --due: say what would be rotated, change nothing'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l kek -d 'New KEK version; every key version\'s material is re-wrapped under it'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l root -d 'Re-wrap the KEK under a new root: a new passphrase, or another kind of root with --to'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l allow-weak-passphrase -d 'Accept a new passphrase shorter than 12 characters from a file, a descriptor or a variable (at a terminal it only gets a warning)'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -s j -l jobs -d 'Files rekeyed in parallel [default: the number of cores]' -r
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l to -d 'With --reencrypt: the public key (PEM) of a recipient that is not a key of this keyring, to seal the new envelopes to again (repeatable)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l drop-recipient -d 'With --reencrypt: leave this recipient (SHA256:<hex>, as `inspect` shows it) out of the new envelopes (repeatable)' -r
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l dry-run -d 'Change nothing; report per key and version how many envelopes still depend on it'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l reencrypt -d 'Decrypt each envelope and encrypt it again under its key\'s primary version, with a fresh content key and salt (after a compromise: header-only rekey keeps the content key)'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l force -d 'With --reencrypt: also envelopes already under a primary version that is not compromised'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l only-compromised -d 'With --reencrypt: only envelopes under a compromised version'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l version -d 'The version number' -r
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand enable" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand enable" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand enable" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l version -d 'The version number' -r
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand disable" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand disable" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand disable" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l version -d 'The version to destroy (never the primary: rotate first)' -r
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l after -d 'Schedule the destruction this far ahead (e.g. 7d, 30d, 12h; at most 100y); the version is disabled at once and can be restored with --cancel' -r
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l reason -d 'Why, kept in the tombstone and shown in errors' -r
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l check -d 'Refuse while an envelope under PATH (a file or a folder, searched recursively) still needs a version being destroyed; repeatable' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l now -d 'Destroy at once; this cannot be undone'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -s y -l yes -d 'Do not ask to type the key name (for scripts)'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l rotate-kek -d 'With --now: rotate the KEK in the same write, so that older copies of the keyring open only with the root as it was'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l cancel -d 'Cancel a scheduled destruction: the version(s) become enabled again'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l pending -d 'Carry out the scheduled destructions that fell due (for cron)'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l dry-run -d 'With --pending: say what would be destroyed, change nothing (with KEYCASK_NOW, as of that time)'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l purge -d 'Remove the tombstone of a destroyed key, so that its name can be used again'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s k -l key -d 'The key to encrypt to (purpose encrypt)' -r
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l to -d 'Also seal to this public key (PEM; repeatable)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s o -l output -d 'Write to FILE instead of stdout' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s c -l context -d 'Encryption context (repeatable; not secret)' -r
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l chunk-size -d 'Plaintext bytes per chunk (64 to 16777216)' -r
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s a -l armor -d 'Write ASCII armor instead of binary'
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l no-progress -d 'No progress bar, even on a terminal'
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s k -l key -d 'The key to encrypt to (purpose encrypt)' -r
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l to -d 'Also seal to this public key (PEM; repeatable)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s o -l output -d 'Write to FILE instead of stdout' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s c -l context -d 'Encryption context (repeatable; not secret)' -r
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l chunk-size -d 'Plaintext bytes per chunk (64 to 16777216)' -r
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s a -l armor -d 'Write ASCII armor instead of binary'
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l no-progress -d 'No progress bar, even on a terminal'
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -s k -l key -d 'Fail (exit 4) unless key NAME of this keyring opens the envelope' -r
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -s o -l output -d 'Write to FILE (mode 0600, created only on success) instead of stdout' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l expect-context -d 'Fail unless the envelope\'s context holds this key=value pair (repeatable)' -r
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l no-progress -d 'No progress bar, even on a terminal'
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -s k -l key -d 'Fail (exit 4) unless key NAME of this keyring opens the envelope' -r
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -s o -l output -d 'Write to FILE (mode 0600, created only on success) instead of stdout' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l expect-context -d 'Fail unless the envelope\'s context holds this key=value pair (repeatable)' -r
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l no-progress -d 'No progress bar, even on a terminal'
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -s k -l key -d 'The key that wraps the data key (purpose encrypt)' -r
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -s c -l context -d 'Encryption context for the wrapped data key (repeatable)' -r
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l wrapped-only -d 'Print only the wrapped (armored) data key, not the plaintext'
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand export" -l format -d 'Output format of --public: pem or jwk' -r -f -a "pem\t''
jwk\t''"
complete -c keycask -n "__fish_keycask_using_subcommand export" -l to -d 'Seal the key\'s material to this recipient public key (SPKI PEM of a P-256 or RSA >= 2048 key), making a key bundle' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l sign-with -d 'Sign the bundle with this sign-purpose key of the keyring' -r
complete -c keycask -n "__fish_keycask_using_subcommand export" -l version -d 'The version [default: the primary for --public; every enabled version for --to]' -r
complete -c keycask -n "__fish_keycask_using_subcommand export" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand export" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand export" -l public -d 'Export the public key (SPKI PEM, or JWK with --format jwk)'
complete -c keycask -n "__fish_keycask_using_subcommand export" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand export" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand export" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand import" -l bundle -d 'A key bundle made by `keycask export --to` (`-` for stdin)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l with -d 'The transport-purpose key of this keyring the bundle is sealed to' -r
complete -c keycask -n "__fish_keycask_using_subcommand import" -l verify-with -d 'Require a valid signature of the bundle by this public key (PEM)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l as -d 'Import the bundle\'s key under this name' -r
complete -c keycask -n "__fish_keycask_using_subcommand import" -l raw -d 'A symmetric key: 32 raw bytes, or 64 hex digits, or base64 (`-` for stdin)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l type -d 'Key type of --raw (only aes256-gcm)' -r
complete -c keycask -n "__fish_keycask_using_subcommand import" -l pem -d 'A private key in PEM: PKCS#8, SEC1 (P-256) or PKCS#1 (RSA); `-` for stdin' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l purpose -d 'Purpose of the imported key [default: encrypt for aes256-gcm, sign for P-256 and RSA]' -r -f -a "encrypt\t''
sign\t''
transport\t''"
complete -c keycask -n "__fish_keycask_using_subcommand import" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand import" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand import" -l add-unverified-versions -d 'Let a bundle whose signature was not verified (--verify-with) add versions to a key that already exists here'
complete -c keycask -n "__fish_keycask_using_subcommand import" -l make-primary -d 'Make the sender\'s primary version the primary of a key that already exists here (a new key always follows the sender\'s primary)'
complete -c keycask -n "__fish_keycask_using_subcommand import" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand import" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand import" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand sign" -s k -l key -d 'The sign-purpose key; its primary version signs' -r
complete -c keycask -n "__fish_keycask_using_subcommand sign" -s o -l output -d 'Write the signature to this file instead of stdout' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l scheme -d 'RSA padding: pss (salt length 32) or pkcs1v15 for legacy verifiers [default for RSA keys: pss; refused for P-256 keys]' -r -f -a "pss\t''
pkcs1v15\t''"
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand sign" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand sign" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand sign" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand verify" -s k -l key -d 'A sign-purpose key of the keyring (any enabled version may match)' -r
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l public-key -d 'A public key in PEM (P-256, or RSA of 2048 bits or more)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l signature -d 'The signature file (DER ECDSA, or raw RSA)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l scheme -d 'RSA padding: pss (salt length 32 exactly) or pkcs1v15 [default for RSA keys: pss; refused for P-256 keys]' -r -f -a "pss\t''
pkcs1v15\t''"
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand verify" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand verify" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand verify" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l exit-with -d 'Stop when this process ends (such as the login shell: --exit-with $$)' -r
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l confirm-timeout -d 'How long a use of a keyring unlocked with --confirm waits for its yes before it is refused: 30s, 2m; at most 5m' -r
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l socket -d 'The socket to bind (set by `keycask agent` for the agent it starts)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l foreground -d 'Stay in the foreground and log to stderr (the shell lines are printed all the same)'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -s k -l kill -d 'Stop the agent named by KEYCASK_AGENT_PID, as `ssh-agent -k` does'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l daemon -d 'Run as the background agent (set by `keycask agent`)'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l for -d 'How long the agent holds the keyring: 90s, 30m, 2h; at most 12h' -r
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l confirm -d 'Ask before each use, on the agent\'s terminal or through its KEYCASK_ASKPASS program (as `ssh-add -c`); a no fails the command'
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l keyring -d 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l passphrase-file -d 'Read the passphrase from this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l passphrase-fd -d 'Read the passphrase from this open file descriptor' -r
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l keyfile -d 'The root key file, instead of the path recorded in the keyring' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l pin-file -d 'The PKCS#11 token\'s PIN is in this file (one trailing newline is ignored)' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l pkcs11-module -d 'The PKCS#11 module (.so) to load, instead of the URI\'s module-path' -r -F
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l all -d 'Every keyring the agent holds, not only this one'
complete -c keycask -n "__fish_keycask_using_subcommand lock" -l json -d 'Print machine-readable JSON on stdout'
complete -c keycask -n "__fish_keycask_using_subcommand lock" -s q -l quiet -d 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings'
complete -c keycask -n "__fish_keycask_using_subcommand lock" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c keycask -n "__fish_keycask_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "init" -d 'Create a keyring with a root key'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "keygen" -d 'Generate a new named key'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "list" -d 'List the keys (metadata only; no unlock needed)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "show" -d 'Show one key and its versions (metadata only; no unlock needed)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "audit" -d 'Show the audit log, or verify its chain and MACs'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "config" -d 'Change a keyring setting'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "rotate" -d 'Rotate a key (new primary version), every key that is due, the KEK, or the root'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "rekey" -d 'Re-wrap envelopes to their key\'s primary version (header only), or re-encrypt them with a fresh content key (--reencrypt)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "enable" -d 'Enable a disabled version of a key again'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "disable" -d 'Disable a version of a key: it refuses all use until enabled again'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "destroy" -d 'Destroy a key version or a whole key, scheduled or at once'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "wrap" -d 'Encrypt data under a fresh content key wrapped by a key (envelope)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "unwrap" -d 'Decrypt an envelope made by `wrap` (binary or armored)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "inspect" -d 'Show envelope headers without unlocking anything'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "datakey" -d 'A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "export" -d 'Export a public key (PEM, JWK), or a key sealed to a recipient'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "import" -d 'Import a sealed key bundle, or bring your own key (raw AES, PEM)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "sign" -d 'Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "verify" -d 'Verify a signature with a key of the keyring or any public key PEM'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "agent" -d 'Start an agent that holds unlocked keyrings for a while (like ssh-agent)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "unlock" -d 'Unlock the keyring once; the agent holds its KEK for a while'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "lock" -d 'Make the agent forget the keyring now'
complete -c keycask -n "__fish_keycask_using_subcommand help; and not __fish_seen_subcommand_from init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check every record\'s MAC, the hash chain, and the end of the log against the keyring\'s counter (unlocks the keyring)'
complete -c keycask -n "__fish_keycask_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "audit-usage" -d 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes'

# --- Key names, completed from the keyring in use --------------------------
# Written by hand (examples/gen/names.fish), appended by `make gen`.
# `keycask list --names` prints the key names of the keyring (from --keyring
# on the command line, else KEYCASK_KEYRING, else the default) without
# unlocking anything.

# A word of the command line as fish passes it: `commandline -o` has removed
# the quotes and backslashes; a leading ~ or ~user is replaced here by that
# home folder. Nothing is expanded or evaluated otherwise ($VAR, (...) stay
# text).
function __keycask_expand_tilde
    set -l word $argv[1]
    set -l head (string split -m1 / -- $word)[1]
    if string match -qr '^~[A-Za-z0-9._-]*$' -- $head
        set -l user (string sub -s 2 -- $head)
        set -l home
        if test -z "$user"
            set home $HOME
        else
            set home (getent passwd -- $user 2>/dev/null | string split :)[6]
        end
        if test -n "$home"
            set -l rest (string sub -s (math (string length -- $head) + 1) -- $word)
            set word "$home$rest"
        end
    end
    printf '%s\n' $word
end

function __keycask_key_names
    set -l tokens (commandline -opc)
    set -l keyring
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case --keyring
                set -l j (math $i + 1)
                test $j -le (count $tokens); and set keyring --keyring (__keycask_expand_tilde $tokens[$j])
            case '--keyring=*'
                set keyring $tokens[$i]
        end
    end
    set -l purpose
    test -n "$argv[1]"; and set purpose --purpose $argv[1]
    command keycask $keyring list --names $purpose 2>/dev/null
end
# Generated from src/cli.rs by `make gen`.
complete -c keycask -n "__fish_keycask_using_subcommand show" -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand audit" -l key -r -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand rotate" -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand enable" -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand disable" -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand destroy" -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand wrap" -s k -l key -r -f -a "(__keycask_key_names encrypt)"
complete -c keycask -n "__fish_keycask_using_subcommand encrypt" -s k -l key -r -f -a "(__keycask_key_names encrypt)"
complete -c keycask -n "__fish_keycask_using_subcommand unwrap" -s k -l key -r -f -a "(__keycask_key_names encrypt)"
complete -c keycask -n "__fish_keycask_using_subcommand decrypt" -s k -l key -r -f -a "(__keycask_key_names encrypt)"
complete -c keycask -n "__fish_keycask_using_subcommand datakey" -s k -l key -r -f -a "(__keycask_key_names encrypt)"
complete -c keycask -n "__fish_keycask_using_subcommand export" -l sign-with -r -f -a "(__keycask_key_names sign)"
complete -c keycask -n "__fish_keycask_using_subcommand export" -f -a "(__keycask_key_names)"
complete -c keycask -n "__fish_keycask_using_subcommand import" -l with -r -f -a "(__keycask_key_names transport)"
complete -c keycask -n "__fish_keycask_using_subcommand sign" -s k -l key -r -f -a "(__keycask_key_names sign)"
complete -c keycask -n "__fish_keycask_using_subcommand verify" -s k -l key -r -f -a "(__keycask_key_names sign)"
