
# The value of a word of the command line as zsh would pass it, without
# running anything: ${(Q)...} removes the quotes, and a leading unquoted ~,
# ~user or ~name (also after `--opt=` when MAGIC_EQUAL_SUBST is set) is
# replaced by that folder. `$VAR`, `$(...)` and backquotes stay text: nothing
# is expanded or evaluated. Sets REPLY.
__keycask_zsh_value() {
    local raw=$1 opt=""
    if [[ -o magicequalsubst && $raw == --*=\~* ]]; then
        opt=${raw%%=*}=
        raw=${raw#*=}
    fi
    REPLY=${(Q)raw}
    if [[ $raw == \~* ]]; then
        local head=${raw%%/*} home=""
        local user=${head#\~}
        if [[ $user != *[^A-Za-z0-9._+-]* ]]; then
            case $user in
                "") home=$HOME ;;
                +) home=$PWD ;;
                -) home=$OLDPWD ;;
                *)
                    zmodload -i zsh/parameter 2>/dev/null
                    home=${nameddirs[$user]:-${userdirs[$user]}} ;;
            esac
            [[ -n $home ]] && REPLY=$home${(Q)raw:${#head}}
        fi
    fi
    REPLY=$opt$REPLY
}

_keycask() {
    local -a __keycask_words
    local w REPLY __keycask_purpose=""
    for w in "${(@)words[1,CURRENT-1]}"; do
        __keycask_zsh_value "$w"
        __keycask_words+=("$REPLY")
    done
    __keycask_zsh_value "${words[CURRENT]}"
    if (( CURRENT > 1 )) && __keycask_key_target "$REPLY" "${(@)__keycask_words}"; then
        # `--key=` or `-k` before the name: left as it is, the rest completed.
        [[ -n $REPLY ]] && compset -P "${(b)REPLY}"
        local -a names
        names=(${(f)"$(__keycask_key_names "${(@)__keycask_words}")"})
        _describe -t keys 'key name' names
        return
    fi
    _keycask_clap "$@"
}
