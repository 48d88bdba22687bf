# --- Key names, completed from the keyring in use --------------------------
# Written by hand (examples/gen/names.sh), appended by `make gen`; shared by
# bash and zsh. `keycask list --names` prints the key names of the keyring
# (from --keyring on the command line, else KEYCASK_KEYRING, else the
# default) one per line; it reads the file without unlocking anything, so no
# passphrase is asked. Nothing is printed when there is no keyring.

# Prints the key names for the words of the command line given as arguments,
# their quotes already removed and a leading ~ expanded by the caller (the
# words are only compared and passed to keycask as one argument, never
# evaluated). When __keycask_purpose is set (by __keycask_wants_key_name),
# only the keys of that purpose: encrypt keys after `wrap -k`, sign keys
# after `sign -k`, transport keys after `import --with`.
__keycask_key_names() {
    local keyring="" next=0 w
    local -a purpose=()
    [ -n "${__keycask_purpose-}" ] && purpose=(--purpose "$__keycask_purpose")
    for w in "$@"; do
        if [ "$next" = 1 ]; then keyring=$w; next=0; continue; fi
        case "$w" in
            --keyring) next=1 ;;
            --keyring=*) keyring=${w#--keyring=} ;;
        esac
    done
    if [ -n "$keyring" ]; then
        command keycask --keyring "$keyring" list --names "${purpose[@]}" 2>/dev/null
    else
        command keycask list --names "${purpose[@]}" 2>/dev/null
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

# Reads the words before the one being completed (the command name first):
# sets __keycask_sub (the subcommand), __keycask_npos (positional words after
# it), __keycask_prev (the last word) and __keycask_skip (1 when the word
# being completed is the value of the option __keycask_prev). The caller
# declares them local.
__keycask_parse() {
    local w
    __keycask_sub="" __keycask_npos=0 __keycask_skip=0 __keycask_prev=""
    shift   # the command name
    for w in "$@"; do
        __keycask_prev=$w
        if [ "$__keycask_skip" = 1 ]; then __keycask_skip=0; continue; fi
        case "$w" in
            --*=*) ;;
            -*) __keycask_takes_value "${__keycask_sub:-keycask}" "$w" && __keycask_skip=1 ;;
            *)
                if [ -z "$__keycask_sub" ]; then __keycask_sub=$w
                else __keycask_npos=$((__keycask_npos + 1)); fi ;;
        esac
    done
}

# Succeeds when the word being completed is a key name, given the words
# before it (the command name first). Sets __keycask_purpose to the purpose
# the key must have (empty: any key).
__keycask_wants_key_name() {
    local __keycask_sub __keycask_npos __keycask_skip __keycask_prev
    __keycask_purpose=""
    __keycask_parse "$@"
    [ -n "$__keycask_sub" ] || return 1
    if [ "$__keycask_skip" = 1 ]; then
        # The word is the value of the option just before it.
        __keycask_key_option "$__keycask_sub" "$__keycask_prev" || return 1
        __keycask_purpose=$(__keycask_key_purpose "$__keycask_sub" "$__keycask_prev")
        return 0
    fi
    [ "$__keycask_npos" = 0 ] && __keycask_name_positional "$__keycask_sub"
}

# Succeeds when the word being completed (not an option) is an INPUT, FILE or
# PATH argument of the subcommand, given the words before it: a file name.
__keycask_wants_file() {
    local __keycask_sub __keycask_npos __keycask_skip __keycask_prev
    __keycask_parse "$@"
    [ -n "$__keycask_sub" ] && [ "$__keycask_skip" = 0 ] \
        && __keycask_path_positional "$__keycask_sub"
}
