
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
