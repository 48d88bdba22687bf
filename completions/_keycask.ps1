
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'keycask' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'keycask'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'keycask' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a keyring with a root key')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate a new named key')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the keys (metadata only; no unlock needed)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one key and its versions (metadata only; no unlock needed)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log, or verify its chain and MACs')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Change a keyring setting')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a key (new primary version), every key that is due, the KEK, or the root')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-wrap envelopes to their key''s primary version (header only), or re-encrypt them with a fresh content key (--reencrypt)')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable a disabled version of a key again')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable a version of a key: it refuses all use until enabled again')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Destroy a key version or a whole key, scheduled or at once')
            [CompletionResult]::new('wrap', 'wrap', [CompletionResultType]::ParameterValue, 'Encrypt data under a fresh content key wrapped by a key (envelope)')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt data under a fresh content key wrapped by a key (envelope)')
            [CompletionResult]::new('unwrap', 'unwrap', [CompletionResultType]::ParameterValue, 'Decrypt an envelope made by `wrap` (binary or armored)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt an envelope made by `wrap` (binary or armored)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show envelope headers without unlocking anything')
            [CompletionResult]::new('datakey', 'datakey', [CompletionResultType]::ParameterValue, 'A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a public key (PEM, JWK), or a key sealed to a recipient')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a sealed key bundle, or bring your own key (raw AES, PEM)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a signature with a key of the keyring or any public key PEM')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Start an agent that holds unlocked keyrings for a while (like ssh-agent)')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock the keyring once; the agent holds its KEK for a while')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Make the agent forget the keyring now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keycask;init' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The root key: `passphrase`, `keyfile:PATH` (created 0600 with 32 random bytes if absent, adopted if it holds exactly 32 bytes), or a PKCS#11 URI `pkcs11:token=..;object=..` (an AES-256 key in an HSM, generated there if no object has that label), or an OpenBao/Vault Transit key `transit:https://HOST:8200/v1/transit/keys/NAME` (token from VAULT_TOKEN, BAO_TOKEN or ~/.vault-token, or an AppRole login)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--audit-usage', '--audit-usage', [CompletionResultType]::ParameterName, 'Log usage (wrap, unwrap, datakey, sign, export) in the audit log too, not only changes; each use then writes the keyring')
            [CompletionResult]::new('--allow-weak-passphrase', '--allow-weak-passphrase', [CompletionResultType]::ParameterName, 'Accept a new passphrase shorter than 12 characters from a file, a descriptor or a variable (at a terminal it only gets a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;keygen' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Key type: aes256-gcm, p256, rsa-2048, rsa-3072 or rsa-4096')
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'What the key may be used for [default: encrypt for aes256-gcm, sign for p256 and rsa-*]')
            [CompletionResult]::new('--rotate-every', '--rotate-every', [CompletionResultType]::ParameterName, 'Rotation period, e.g. 90d, 12h, 2w, 1y, at most 100y (`rotate --due` rotates the keys that are due)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;list' {
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'With --names: only the keys of this purpose (what `-k` of wrap, sign or `import --with` accepts), without destroyed keys')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Print only the key names, one per line (for shell completion; reads the keyring without unlocking it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;show' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;audit' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only records about this key')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records at or after this time (RFC 3339, or a date like 2026-11-29; a time without an offset is UTC)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every record''s MAC, the hash chain, and the end of the log against the keyring''s counter (unlocks the keyring)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keycask;audit;verify' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;audit;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every record''s MAC, the hash chain, and the end of the log against the keyring''s counter (unlocks the keyring)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keycask;audit;help;verify' {
            break
        }
        'keycask;audit;help;help' {
            break
        }
        'keycask;config' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('audit-usage', 'audit-usage', [CompletionResultType]::ParameterValue, 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keycask;config;audit-usage' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;config;help' {
            [CompletionResult]::new('audit-usage', 'audit-usage', [CompletionResultType]::ParameterValue, 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keycask;config;help;audit-usage' {
            break
        }
        'keycask;config;help;help' {
            break
        }
        'keycask;rotate' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why the versions are compromised (recorded with the flag)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'With --root: the new root, `passphrase`, `keyfile:PATH`, `pkcs11:URI` or `transit:URL` [default: the current root when it is a passphrase (a new one) or Transit (re-wrap under its latest version)]')
            [CompletionResult]::new('--new-passphrase-file', '--new-passphrase-file', [CompletionResultType]::ParameterName, 'With --root: read the new passphrase from this file instead of the terminal')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--compromised', '--compromised', [CompletionResultType]::ParameterName, 'Flag every older version of NAME as compromised: they still decrypt, with a warning at each use')
            [CompletionResult]::new('--due', '--due', [CompletionResultType]::ParameterName, 'Rotate every key whose primary version is older than its period')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With --due: say what would be rotated, change nothing')
            [CompletionResult]::new('--kek', '--kek', [CompletionResultType]::ParameterName, 'New KEK version; every key version''s material is re-wrapped under it')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Re-wrap the KEK under a new root: a new passphrase, or another kind of root with --to')
            [CompletionResult]::new('--allow-weak-passphrase', '--allow-weak-passphrase', [CompletionResultType]::ParameterName, 'Accept a new passphrase shorter than 12 characters from a file, a descriptor or a variable (at a terminal it only gets a warning)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;rekey' {
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Files rekeyed in parallel [default: the number of cores]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Files rekeyed in parallel [default: the number of cores]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'With --reencrypt: the public key (PEM) of a recipient that is not a key of this keyring, to seal the new envelopes to again (repeatable)')
            [CompletionResult]::new('--drop-recipient', '--drop-recipient', [CompletionResultType]::ParameterName, 'With --reencrypt: leave this recipient (SHA256:<hex>, as `inspect` shows it) out of the new envelopes (repeatable)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Change nothing; report per key and version how many envelopes still depend on it')
            [CompletionResult]::new('--reencrypt', '--reencrypt', [CompletionResultType]::ParameterName, 'Decrypt each envelope and encrypt it again under its key''s primary version, with a fresh content key and salt (after a compromise: header-only rekey keeps the content key)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With --reencrypt: also envelopes already under a primary version that is not compromised')
            [CompletionResult]::new('--only-compromised', '--only-compromised', [CompletionResultType]::ParameterName, 'With --reencrypt: only envelopes under a compromised version')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;enable' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version number')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;disable' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version number')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;destroy' {
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version to destroy (never the primary: rotate first)')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Schedule the destruction this far ahead (e.g. 7d, 30d, 12h; at most 100y); the version is disabled at once and can be restored with --cancel')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the tombstone and shown in errors')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Refuse while an envelope under PATH (a file or a folder, searched recursively) still needs a version being destroyed; repeatable')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Destroy at once; this cannot be undone')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask to type the key name (for scripts)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask to type the key name (for scripts)')
            [CompletionResult]::new('--rotate-kek', '--rotate-kek', [CompletionResultType]::ParameterName, 'With --now: rotate the KEK in the same write, so that older copies of the keyring open only with the root as it was')
            [CompletionResult]::new('--cancel', '--cancel', [CompletionResultType]::ParameterName, 'Cancel a scheduled destruction: the version(s) become enabled again')
            [CompletionResult]::new('--pending', '--pending', [CompletionResultType]::ParameterName, 'Carry out the scheduled destructions that fell due (for cron)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With --pending: say what would be destroyed, change nothing (with KEYCASK_NOW, as of that time)')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Remove the tombstone of a destroyed key, so that its name can be used again')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;wrap' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The key to encrypt to (purpose encrypt)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The key to encrypt to (purpose encrypt)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Also seal to this public key (PEM; repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Encryption context (repeatable; not secret)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Encryption context (repeatable; not secret)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Plaintext bytes per chunk (64 to 16777216)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Write ASCII armor instead of binary')
            [CompletionResult]::new('--armor', '--armor', [CompletionResultType]::ParameterName, 'Write ASCII armor instead of binary')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No progress bar, even on a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;encrypt' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The key to encrypt to (purpose encrypt)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The key to encrypt to (purpose encrypt)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Also seal to this public key (PEM; repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Encryption context (repeatable; not secret)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Encryption context (repeatable; not secret)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Plaintext bytes per chunk (64 to 16777216)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Write ASCII armor instead of binary')
            [CompletionResult]::new('--armor', '--armor', [CompletionResultType]::ParameterName, 'Write ASCII armor instead of binary')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No progress bar, even on a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;unwrap' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Fail (exit 4) unless key NAME of this keyring opens the envelope')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Fail (exit 4) unless key NAME of this keyring opens the envelope')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600, created only on success) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600, created only on success) instead of stdout')
            [CompletionResult]::new('--expect-context', '--expect-context', [CompletionResultType]::ParameterName, 'Fail unless the envelope''s context holds this key=value pair (repeatable)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No progress bar, even on a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;decrypt' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Fail (exit 4) unless key NAME of this keyring opens the envelope')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Fail (exit 4) unless key NAME of this keyring opens the envelope')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600, created only on success) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600, created only on success) instead of stdout')
            [CompletionResult]::new('--expect-context', '--expect-context', [CompletionResultType]::ParameterName, 'Fail unless the envelope''s context holds this key=value pair (repeatable)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'No progress bar, even on a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;inspect' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;datakey' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The key that wraps the data key (purpose encrypt)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The key that wraps the data key (purpose encrypt)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Encryption context for the wrapped data key (repeatable)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Encryption context for the wrapped data key (repeatable)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--wrapped-only', '--wrapped-only', [CompletionResultType]::ParameterName, 'Print only the wrapped (armored) data key, not the plaintext')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of --public: pem or jwk')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Seal the key''s material to this recipient public key (SPKI PEM of a P-256 or RSA >= 2048 key), making a key bundle')
            [CompletionResult]::new('--sign-with', '--sign-with', [CompletionResultType]::ParameterName, 'Sign the bundle with this sign-purpose key of the keyring')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version [default: the primary for --public; every enabled version for --to]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file instead of stdout')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--public', '--public', [CompletionResultType]::ParameterName, 'Export the public key (SPKI PEM, or JWK with --format jwk)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;import' {
            [CompletionResult]::new('--bundle', '--bundle', [CompletionResultType]::ParameterName, 'A key bundle made by `keycask export --to` (`-` for stdin)')
            [CompletionResult]::new('--with', '--with', [CompletionResultType]::ParameterName, 'The transport-purpose key of this keyring the bundle is sealed to')
            [CompletionResult]::new('--verify-with', '--verify-with', [CompletionResultType]::ParameterName, 'Require a valid signature of the bundle by this public key (PEM)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Import the bundle''s key under this name')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'A symmetric key: 32 raw bytes, or 64 hex digits, or base64 (`-` for stdin)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Key type of --raw (only aes256-gcm)')
            [CompletionResult]::new('--pem', '--pem', [CompletionResultType]::ParameterName, 'A private key in PEM: PKCS#8, SEC1 (P-256) or PKCS#1 (RSA); `-` for stdin')
            [CompletionResult]::new('--purpose', '--purpose', [CompletionResultType]::ParameterName, 'Purpose of the imported key [default: encrypt for aes256-gcm, sign for P-256 and RSA]')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--add-unverified-versions', '--add-unverified-versions', [CompletionResultType]::ParameterName, 'Let a bundle whose signature was not verified (--verify-with) add versions to a key that already exists here')
            [CompletionResult]::new('--make-primary', '--make-primary', [CompletionResultType]::ParameterName, 'Make the sender''s primary version the primary of a key that already exists here (a new key always follows the sender''s primary)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;sign' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The sign-purpose key; its primary version signs')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The sign-purpose key; its primary version signs')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the signature to this file instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the signature to this file instead of stdout')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'RSA padding: pss (salt length 32) or pkcs1v15 for legacy verifiers [default for RSA keys: pss; refused for P-256 keys]')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;verify' {
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'A sign-purpose key of the keyring (any enabled version may match)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'A sign-purpose key of the keyring (any enabled version may match)')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'A public key in PEM (P-256, or RSA of 2048 bits or more)')
            [CompletionResult]::new('--signature', '--signature', [CompletionResultType]::ParameterName, 'The signature file (DER ECDSA, or raw RSA)')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'RSA padding: pss (salt length 32 exactly) or pkcs1v15 [default for RSA keys: pss; refused for P-256 keys]')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;agent' {
            [CompletionResult]::new('--exit-with', '--exit-with', [CompletionResultType]::ParameterName, 'Stop when this process ends (such as the login shell: --exit-with $$)')
            [CompletionResult]::new('--confirm-timeout', '--confirm-timeout', [CompletionResultType]::ParameterName, 'How long a use of a keyring unlocked with --confirm waits for its yes before it is refused: 30s, 2m; at most 5m')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The socket to bind (set by `keycask agent` for the agent it starts)')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--foreground', '--foreground', [CompletionResultType]::ParameterName, 'Stay in the foreground and log to stderr (the shell lines are printed all the same)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Stop the agent named by KEYCASK_AGENT_PID, as `ssh-agent -k` does')
            [CompletionResult]::new('--kill', '--kill', [CompletionResultType]::ParameterName, 'Stop the agent named by KEYCASK_AGENT_PID, as `ssh-agent -k` does')
            [CompletionResult]::new('--daemon', '--daemon', [CompletionResultType]::ParameterName, 'Run as the background agent (set by `keycask agent`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;unlock' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'How long the agent holds the keyring: 90s, 30m, 2h; at most 12h')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--confirm', '--confirm', [CompletionResultType]::ParameterName, 'Ask before each use, on the agent''s terminal or through its KEYCASK_ASKPASS program (as `ssh-add -c`); a no fails the command')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;lock' {
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'The keyring file [default: $XDG_DATA_HOME/keycask/keyring.json]')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--passphrase-fd', '--passphrase-fd', [CompletionResultType]::ParameterName, 'Read the passphrase from this open file descriptor')
            [CompletionResult]::new('--keyfile', '--keyfile', [CompletionResultType]::ParameterName, 'The root key file, instead of the path recorded in the keyring')
            [CompletionResult]::new('--pin-file', '--pin-file', [CompletionResultType]::ParameterName, 'The PKCS#11 token''s PIN is in this file (one trailing newline is ignored)')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module (.so) to load, instead of the URI''s module-path')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every keyring the agent holds, not only this one')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors and the output asked for: no status lines ("created key ...", "rotated ..."), notes or warnings')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'keycask;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a keyring with a root key')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate a new named key')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the keys (metadata only; no unlock needed)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one key and its versions (metadata only; no unlock needed)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit log, or verify its chain and MACs')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Change a keyring setting')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Rotate a key (new primary version), every key that is due, the KEK, or the root')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-wrap envelopes to their key''s primary version (header only), or re-encrypt them with a fresh content key (--reencrypt)')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Enable a disabled version of a key again')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Disable a version of a key: it refuses all use until enabled again')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Destroy a key version or a whole key, scheduled or at once')
            [CompletionResult]::new('wrap', 'wrap', [CompletionResultType]::ParameterValue, 'Encrypt data under a fresh content key wrapped by a key (envelope)')
            [CompletionResult]::new('unwrap', 'unwrap', [CompletionResultType]::ParameterValue, 'Decrypt an envelope made by `wrap` (binary or armored)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show envelope headers without unlocking anything')
            [CompletionResult]::new('datakey', 'datakey', [CompletionResultType]::ParameterValue, 'A fresh 256-bit data key: plaintext and wrapped (like KMS GenerateDataKey)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a public key (PEM, JWK), or a key sealed to a recipient')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a sealed key bundle, or bring your own key (raw AES, PEM)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a file (ECDSA P-256 or RSA-PSS, SHA-256; OpenSSL-compatible)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a signature with a key of the keyring or any public key PEM')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Start an agent that holds unlocked keyrings for a while (like ssh-agent)')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Unlock the keyring once; the agent holds its KEK for a while')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Make the agent forget the keyring now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keycask;help;init' {
            break
        }
        'keycask;help;keygen' {
            break
        }
        'keycask;help;list' {
            break
        }
        'keycask;help;show' {
            break
        }
        'keycask;help;audit' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check every record''s MAC, the hash chain, and the end of the log against the keyring''s counter (unlocks the keyring)')
            break
        }
        'keycask;help;audit;verify' {
            break
        }
        'keycask;help;config' {
            [CompletionResult]::new('audit-usage', 'audit-usage', [CompletionResultType]::ParameterValue, 'Whether usage (wrap, unwrap, datakey, sign, export) is logged, not only changes')
            break
        }
        'keycask;help;config;audit-usage' {
            break
        }
        'keycask;help;rotate' {
            break
        }
        'keycask;help;rekey' {
            break
        }
        'keycask;help;enable' {
            break
        }
        'keycask;help;disable' {
            break
        }
        'keycask;help;destroy' {
            break
        }
        'keycask;help;wrap' {
            break
        }
        'keycask;help;unwrap' {
            break
        }
        'keycask;help;inspect' {
            break
        }
        'keycask;help;datakey' {
            break
        }
        'keycask;help;export' {
            break
        }
        'keycask;help;import' {
            break
        }
        'keycask;help;sign' {
            break
        }
        'keycask;help;verify' {
            break
        }
        'keycask;help;agent' {
            break
        }
        'keycask;help;unlock' {
            break
        }
        'keycask;help;lock' {
            break
        }
        'keycask;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
