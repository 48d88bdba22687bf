
_keycask() {
    if [[ "${words[CURRENT]}" != -* ]] && __keycask_wants_key_name "${(@)words[1,CURRENT-1]}"; then
        local -a names
        names=(${(f)"$(__keycask_key_names "${(@)words[1,CURRENT-1]}")"})
        _describe -t keys 'key name' names
        return
    fi
    _keycask_clap "$@"
}
