
_keycask_with_names() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    if [[ "$cur" != -* ]] && __keycask_wants_key_name "${COMP_WORDS[@]:0:COMP_CWORD}"; then
        local IFS=$'\n'
        COMPREPLY=($(compgen -W "$(__keycask_key_names "${COMP_WORDS[@]:0:COMP_CWORD}")" -- "$cur"))
        return 0
    fi
    _keycask "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _keycask_with_names -o nosort -o bashdefault -o default keycask
else
    complete -F _keycask_with_names -o bashdefault -o default keycask
fi
