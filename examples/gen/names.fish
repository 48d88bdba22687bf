
# --- Key names, completed from the keyring in use --------------------------
# Written by hand (examples/gen/names.fish), appended by `make gen`.
# `keycask list --names` prints the key names of the keyring (from --keyring
# on the command line, else KEYCASK_KEYRING, else the default) without
# unlocking anything.
function __keycask_key_names
    set -l tokens (commandline -opc)
    set -l keyring
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case --keyring
                set -l j (math $i + 1)
                test $j -le (count $tokens); and set keyring --keyring $tokens[$j]
            case '--keyring=*'
                set keyring $tokens[$i]
        end
    end
    command keycask $keyring list --names 2>/dev/null
end
