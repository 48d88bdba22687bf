# --- Key names, completed from the keyring in use --------------------------
# Written by hand (examples/gen/names.sh), appended by `make gen`; shared by
# bash and zsh. `keycask list --names` prints the key names of the keyring
# (from --keyring on the command line, else KEYCASK_KEYRING, else the
# default) one per line; it reads the file without unlocking anything, so no
# passphrase is asked. Nothing is printed when there is no keyring.

# Prints the key names for the words of the command line given as arguments,
# their quotes already removed and a leading ~ expanded by the caller (the
# words are only compared and passed to keycask as one argument, never
# evaluated).
__keycask_key_names() {
    local keyring="" next=0 w
    for w in "$@"; do
        if [ "$next" = 1 ]; then keyring=$w; next=0; continue; fi
        case "$w" in
            --keyring) next=1 ;;
            --keyring=*) keyring=${w#--keyring=} ;;
        esac
    done
    if [ -n "$keyring" ]; then
        command keycask --keyring "$keyring" list --names 2>/dev/null
    else
        command keycask list --names 2>/dev/null
    fi
}

# Succeeds when the word being completed (the first argument, its quotes
# removed) carries a key name, given the words before it (the command name
# first, quotes removed): a positional NAME, the value after `-k`/`--key`,
# or the NAME of `--key=NAME` or `-kNAME`. Sets REPLY to the text before the
# name in the word (``, `--key=` or `-k`).
__keycask_key_target() {
    local cur=$1
    shift
    REPLY=""
    case "$cur" in
        --*=*)
            REPLY="${cur%%=*}"
            __keycask_wants_key_name "$@" "$REPLY" || return 1
            REPLY="$REPLY="
            return 0 ;;
        --*) return 1 ;;
        -?*)
            [ "${#cur}" -gt 2 ] || return 1
            REPLY="${cur:0:2}"
            __keycask_wants_key_name "$@" "$REPLY" || return 1
            return 0 ;;
        -*) return 1 ;;
    esac
    __keycask_wants_key_name "$@"
}

# Succeeds when the word being completed is a key name, given the words
# before it (the command name first).
__keycask_wants_key_name() {
    local sub="" positionals=0 skip=0 prev="" w
    shift   # the command name
    for w in "$@"; do
        prev=$w
        if [ "$skip" = 1 ]; then skip=0; continue; fi
        case "$w" in
            --*=*) ;;
            -*) __keycask_takes_value "${sub:-keycask}" "$w" && skip=1 ;;
            *) if [ -z "$sub" ]; then sub=$w; else positionals=$((positionals + 1)); fi ;;
        esac
    done
    [ -n "$sub" ] || return 1
    if [ "$skip" = 1 ]; then
        # The word is the value of the option just before it.
        __keycask_key_option "$sub" "$prev"
        return
    fi
    [ "$positionals" = 0 ] && __keycask_name_positional "$sub"
}
