_keycask() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="keycask"
                ;;
            keycask,agent)
                cmd="keycask__subcmd__agent"
                ;;
            keycask,audit)
                cmd="keycask__subcmd__audit"
                ;;
            keycask,config)
                cmd="keycask__subcmd__config"
                ;;
            keycask,datakey)
                cmd="keycask__subcmd__datakey"
                ;;
            keycask,decrypt)
                cmd="keycask__subcmd__unwrap"
                ;;
            keycask,destroy)
                cmd="keycask__subcmd__destroy"
                ;;
            keycask,disable)
                cmd="keycask__subcmd__disable"
                ;;
            keycask,enable)
                cmd="keycask__subcmd__enable"
                ;;
            keycask,encrypt)
                cmd="keycask__subcmd__wrap"
                ;;
            keycask,export)
                cmd="keycask__subcmd__export"
                ;;
            keycask,help)
                cmd="keycask__subcmd__help"
                ;;
            keycask,import)
                cmd="keycask__subcmd__import"
                ;;
            keycask,init)
                cmd="keycask__subcmd__init"
                ;;
            keycask,inspect)
                cmd="keycask__subcmd__inspect"
                ;;
            keycask,keygen)
                cmd="keycask__subcmd__keygen"
                ;;
            keycask,list)
                cmd="keycask__subcmd__list"
                ;;
            keycask,lock)
                cmd="keycask__subcmd__lock"
                ;;
            keycask,rekey)
                cmd="keycask__subcmd__rekey"
                ;;
            keycask,rotate)
                cmd="keycask__subcmd__rotate"
                ;;
            keycask,show)
                cmd="keycask__subcmd__show"
                ;;
            keycask,sign)
                cmd="keycask__subcmd__sign"
                ;;
            keycask,unlock)
                cmd="keycask__subcmd__unlock"
                ;;
            keycask,unwrap)
                cmd="keycask__subcmd__unwrap"
                ;;
            keycask,verify)
                cmd="keycask__subcmd__verify"
                ;;
            keycask,wrap)
                cmd="keycask__subcmd__wrap"
                ;;
            keycask__subcmd__audit,help)
                cmd="keycask__subcmd__audit__subcmd__help"
                ;;
            keycask__subcmd__audit,verify)
                cmd="keycask__subcmd__audit__subcmd__verify"
                ;;
            keycask__subcmd__audit__subcmd__help,help)
                cmd="keycask__subcmd__audit__subcmd__help__subcmd__help"
                ;;
            keycask__subcmd__audit__subcmd__help,verify)
                cmd="keycask__subcmd__audit__subcmd__help__subcmd__verify"
                ;;
            keycask__subcmd__config,audit-usage)
                cmd="keycask__subcmd__config__subcmd__audit__subcmd__usage"
                ;;
            keycask__subcmd__config,help)
                cmd="keycask__subcmd__config__subcmd__help"
                ;;
            keycask__subcmd__config__subcmd__help,audit-usage)
                cmd="keycask__subcmd__config__subcmd__help__subcmd__audit__subcmd__usage"
                ;;
            keycask__subcmd__config__subcmd__help,help)
                cmd="keycask__subcmd__config__subcmd__help__subcmd__help"
                ;;
            keycask__subcmd__help,agent)
                cmd="keycask__subcmd__help__subcmd__agent"
                ;;
            keycask__subcmd__help,audit)
                cmd="keycask__subcmd__help__subcmd__audit"
                ;;
            keycask__subcmd__help,config)
                cmd="keycask__subcmd__help__subcmd__config"
                ;;
            keycask__subcmd__help,datakey)
                cmd="keycask__subcmd__help__subcmd__datakey"
                ;;
            keycask__subcmd__help,destroy)
                cmd="keycask__subcmd__help__subcmd__destroy"
                ;;
            keycask__subcmd__help,disable)
                cmd="keycask__subcmd__help__subcmd__disable"
                ;;
            keycask__subcmd__help,enable)
                cmd="keycask__subcmd__help__subcmd__enable"
                ;;
            keycask__subcmd__help,export)
                cmd="keycask__subcmd__help__subcmd__export"
                ;;
            keycask__subcmd__help,help)
                cmd="keycask__subcmd__help__subcmd__help"
                ;;
            keycask__subcmd__help,import)
                cmd="keycask__subcmd__help__subcmd__import"
                ;;
            keycask__subcmd__help,init)
                cmd="keycask__subcmd__help__subcmd__init"
                ;;
            keycask__subcmd__help,inspect)
                cmd="keycask__subcmd__help__subcmd__inspect"
                ;;
            keycask__subcmd__help,keygen)
                cmd="keycask__subcmd__help__subcmd__keygen"
                ;;
            keycask__subcmd__help,list)
                cmd="keycask__subcmd__help__subcmd__list"
                ;;
            keycask__subcmd__help,lock)
                cmd="keycask__subcmd__help__subcmd__lock"
                ;;
            keycask__subcmd__help,rekey)
                cmd="keycask__subcmd__help__subcmd__rekey"
                ;;
            keycask__subcmd__help,rotate)
                cmd="keycask__subcmd__help__subcmd__rotate"
                ;;
            keycask__subcmd__help,show)
                cmd="keycask__subcmd__help__subcmd__show"
                ;;
            keycask__subcmd__help,sign)
                cmd="keycask__subcmd__help__subcmd__sign"
                ;;
            keycask__subcmd__help,unlock)
                cmd="keycask__subcmd__help__subcmd__unlock"
                ;;
            keycask__subcmd__help,unwrap)
                cmd="keycask__subcmd__help__subcmd__unwrap"
                ;;
            keycask__subcmd__help,verify)
                cmd="keycask__subcmd__help__subcmd__verify"
                ;;
            keycask__subcmd__help,wrap)
                cmd="keycask__subcmd__help__subcmd__wrap"
                ;;
            keycask__subcmd__help__subcmd__audit,verify)
                cmd="keycask__subcmd__help__subcmd__audit__subcmd__verify"
                ;;
            keycask__subcmd__help__subcmd__config,audit-usage)
                cmd="keycask__subcmd__help__subcmd__config__subcmd__audit__subcmd__usage"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        keycask)
            opts="-q -v -h -V --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help --version init keygen list show audit config rotate rekey enable disable destroy wrap encrypt unwrap decrypt inspect datakey export import sign verify agent unlock lock help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__agent)
            opts="-k -q -v -h --foreground --kill --exit-with --confirm-timeout --socket --daemon --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --exit-with)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --confirm-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__audit)
            opts="-q -v -h --key --since --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help verify help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --since)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__audit__subcmd__help)
            opts="verify help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__audit__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__audit__subcmd__help__subcmd__verify)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__audit__subcmd__verify)
            opts="-q -v -h --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__config)
            opts="-q -v -h --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help audit-usage help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__config__subcmd__audit__subcmd__usage)
            opts="-q -v -h --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help on off"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__config__subcmd__help)
            opts="audit-usage help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__config__subcmd__help__subcmd__audit__subcmd__usage)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__config__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__datakey)
            opts="-k -c -q -v -h --key --context --wrapped-only --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__destroy)
            opts="-y -q -v -h --version --after --now --reason --yes --check --rotate-kek --cancel --pending --dry-run --purge --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --after)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --reason)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --check)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__disable)
            opts="-q -v -h --version --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__enable)
            opts="-q -v -h --version --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__export)
            opts="-o -q -v -h --public --format --to --sign-with --version --output --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "pem jwk" -- "${cur}"))
                    return 0
                    ;;
                --to)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sign-with)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help)
            opts="init keygen list show audit config rotate rekey enable disable destroy wrap unwrap inspect datakey export import sign verify agent unlock lock help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__agent)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__audit)
            opts="verify"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__audit__subcmd__verify)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__config)
            opts="audit-usage"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__config__subcmd__audit__subcmd__usage)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__datakey)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__destroy)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__disable)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__enable)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__export)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__import)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__inspect)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__keygen)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__lock)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__rekey)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__rotate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__show)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__sign)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__unlock)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__unwrap)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__verify)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__help__subcmd__wrap)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__import)
            opts="-q -v -h --bundle --with --verify-with --as --add-unverified-versions --make-primary --raw --type --pem --purpose --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bundle)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --with)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --verify-with)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --as)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --raw)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pem)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --purpose)
                    COMPREPLY=($(compgen -W "encrypt sign transport" -- "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__init)
            opts="-q -v -h --root --audit-usage --allow-weak-passphrase --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__inspect)
            opts="-q -v -h --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__keygen)
            opts="-q -v -h --type --purpose --rotate-every --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --purpose)
                    COMPREPLY=($(compgen -W "encrypt sign transport" -- "${cur}"))
                    return 0
                    ;;
                --rotate-every)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__list)
            opts="-q -v -h --names --purpose --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --purpose)
                    COMPREPLY=($(compgen -W "encrypt sign transport" -- "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__lock)
            opts="-q -v -h --all --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__rekey)
            opts="-j -q -v -h --dry-run --jobs --reencrypt --force --only-compromised --to --drop-recipient --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --jobs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -j)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --to)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drop-recipient)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__rotate)
            opts="-q -v -h --compromised --reason --due --dry-run --kek --root --to --new-passphrase-file --allow-weak-passphrase --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --reason)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --to)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --new-passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__show)
            opts="-q -v -h --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__sign)
            opts="-k -o -q -v -h --key --output --scheme --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --scheme)
                    COMPREPLY=($(compgen -W "pss pkcs1v15" -- "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__unlock)
            opts="-q -v -h --for --confirm --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --for)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__unwrap)
            opts="-k -o -q -v -h --key --output --expect-context --no-progress --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --expect-context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__verify)
            opts="-k -q -v -h --key --public-key --signature --scheme --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --public-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --signature)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --scheme)
                    COMPREPLY=($(compgen -W "pss pkcs1v15" -- "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        keycask__subcmd__wrap)
            opts="-k -o -c -a -q -v -h --key --to --output --context --armor --chunk-size --no-progress --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module --json --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --to)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -c)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunk-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyring)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --passphrase-fd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keyfile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pin-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pkcs11-module)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

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

# Generated from src/cli.rs by `make gen`.
__keycask_takes_value() {
    case "$1" in
        keycask) set -- "$2" --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        init) set -- "$2" --root --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        keygen) set -- "$2" --type --purpose --rotate-every --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        list) set -- "$2" --purpose --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        show) set -- "$2" --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        audit) set -- "$2" --key --since --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        config) set -- "$2" --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        rotate) set -- "$2" --reason --to --new-passphrase-file --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        rekey) set -- "$2" -j --jobs --to --drop-recipient --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        enable) set -- "$2" --version --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        disable) set -- "$2" --version --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        destroy) set -- "$2" --version --after --reason --check --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        wrap|encrypt) set -- "$2" -k --key --to -o --output -c --context --chunk-size --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        unwrap|decrypt) set -- "$2" -k --key -o --output --expect-context --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        inspect) set -- "$2" --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        datakey) set -- "$2" -k --key -c --context --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        export) set -- "$2" --format --to --sign-with --version -o --output --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        import) set -- "$2" --bundle --with --verify-with --as --raw --type --pem --purpose --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        sign) set -- "$2" -k --key -o --output --scheme --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        verify) set -- "$2" -k --key --public-key --signature --scheme --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        agent) set -- "$2" --exit-with --confirm-timeout --socket --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        unlock) set -- "$2" --for --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        lock) set -- "$2" --keyring --passphrase-file --passphrase-fd --keyfile --pin-file --pkcs11-module ;;
        *) return 1 ;;
    esac
    local w=$1 o; shift
    for o in "$@"; do [ "$o" = "$w" ] && return 0; done
    return 1
}
__keycask_key_option() {
    case "$1,$2" in
        audit,--key) return 0 ;;
        wrap,-k|wrap,--key|encrypt,-k|encrypt,--key) return 0 ;;
        unwrap,-k|unwrap,--key|decrypt,-k|decrypt,--key) return 0 ;;
        datakey,-k|datakey,--key) return 0 ;;
        export,--sign-with) return 0 ;;
        import,--with) return 0 ;;
        sign,-k|sign,--key) return 0 ;;
        verify,-k|verify,--key) return 0 ;;
    esac
    return 1
}
__keycask_key_purpose() {
    case "$1,$2" in
        wrap,-k|wrap,--key|encrypt,-k|encrypt,--key) echo encrypt ;;
        unwrap,-k|unwrap,--key|decrypt,-k|decrypt,--key) echo encrypt ;;
        datakey,-k|datakey,--key) echo encrypt ;;
        export,--sign-with) echo sign ;;
        import,--with) echo transport ;;
        sign,-k|sign,--key) echo sign ;;
        verify,-k|verify,--key) echo sign ;;
    esac
}
__keycask_path_positional() {
    case "$1" in
        rekey|wrap|encrypt|unwrap|decrypt|inspect|sign|verify) return 0 ;;
    esac
    return 1
}
__keycask_name_positional() {
    case "$1" in
        show|rotate|enable|disable|destroy|export) return 0 ;;
    esac
    return 1
}

# Splits a command line into words as bash reads them, without running
# anything: quotes ('...', "...", $'...') and backslashes are removed, and a
# leading unquoted ~ or ~user is replaced by that home folder. `$VAR`,
# `$(...)` and backquotes are left as they are, as text: they are never
# expanded. Sets the arrays __keycask_raw (the words as typed) and
# __keycask_val (their values); the last word is the one at the cursor (empty
# after a blank). COMP_WORDS is not used for this: bash splits it at = and :
# (COMP_WORDBREAKS) and keeps the quotes.
__keycask_split() {
    local line=$1 i=0 n=${#1} c q="" raw="" val="" ansi="" inword=0
    __keycask_raw=()
    __keycask_val=()
    while ((i < n)); do
        c=${line:i:1}
        i=$((i + 1))
        if [[ $q == "'" ]]; then
            raw+=$c
            if [[ $c == "'" ]]; then q=""; else val+=$c; fi
        elif [[ $q == '"' ]]; then
            raw+=$c
            if [[ $c == '"' ]]; then
                q=""
            elif [[ $c == '\' ]] && ((i < n)); then
                c=${line:i:1}
                i=$((i + 1))
                raw+=$c
                case $c in
                    '$' | '`' | '"' | '\') val+=$c ;;
                    $'\n') ;;
                    *) val+="\\$c" ;;
                esac
            else
                val+=$c
            fi
        elif [[ $q == ansi ]]; then
            raw+=$c
            if [[ $c == '\' ]] && ((i < n)); then
                c=${line:i:1}
                i=$((i + 1))
                raw+=$c
                case $c in
                    "'" | '"' | '?') ansi+=$c ;;
                    *) ansi+="\\$c" ;;
                esac
            elif [[ $c == "'" ]]; then
                q=""
                # printf %b interprets the escapes; it runs nothing.
                printf -v c '%b' "$ansi"
                val+=$c
                ansi=""
            else
                ansi+=$c
            fi
        else
            case $c in
                ' ' | $'\t' | $'\n')
                    if ((inword)); then
                        __keycask_word "$raw" "$val"
                        raw="" val="" inword=0
                    fi ;;
                '\')
                    inword=1
                    if ((i < n)); then
                        c=${line:i:1}
                        i=$((i + 1))
                        raw+="\\$c"
                        [[ $c == $'\n' ]] || val+=$c
                    else
                        raw+='\'
                    fi ;;
                "'" | '"')
                    inword=1 q=$c raw+=$c ;;
                '$')
                    inword=1
                    if [[ ${line:i:1} == "'" ]]; then
                        q=ansi raw+="\$'"
                        i=$((i + 1))
                    elif [[ ${line:i:1} == '"' ]]; then
                        q='"' raw+='$"'
                        i=$((i + 1))
                    else
                        raw+=$c val+=$c
                    fi ;;
                *)
                    inword=1 raw+=$c val+=$c ;;
            esac
        fi
    done
    # The word at the cursor, maybe empty or with an open quote.
    [[ $q == ansi && -n $ansi ]] && { printf -v c '%b' "$ansi"; val+=$c; }
    __keycask_word "$raw" "$val"
}

# Appends a word to __keycask_raw and __keycask_val, its leading ~ expanded.
__keycask_word() {
    local raw=$1 val=$2 head user home=""
    if [[ $raw == '~'* ]]; then
        head=${raw%%/*}
        user=${head#'~'}
        if [[ $user != *[!A-Za-z0-9._+-]* ]]; then
            case $user in
                "") home=${HOME-} ;;
                +) home=$PWD ;;
                -) home=${OLDPWD-} ;;
                *)
                    local IFS=: _
                    read -r _ _ _ _ _ home _ < <(getent passwd -- "$user" 2>/dev/null) ;;
            esac
            [[ -n $home ]] && val=$home${val:${#head}}
        fi
    fi
    __keycask_raw+=("$raw")
    __keycask_val+=("$val")
}

_keycask_with_names() {
    local line
    if [[ -n ${COMP_LINE-} ]]; then
        line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
    else
        line="${COMP_WORDS[*]:0:COMP_CWORD+1}"
    fi
    local -a __keycask_raw __keycask_val
    __keycask_split "$line"
    local n=${#__keycask_val[@]}
    local cur=${__keycask_val[n - 1]} rawcur=${__keycask_raw[n - 1]} REPLY
    local -a before=("${__keycask_val[@]:0:n-1}")
    local __keycask_purpose=""
    if ((n > 1)) && __keycask_key_target "$cur" "${before[@]}"; then
        # bash replaces only the part of the word after the last = or :
        # (COMP_WORDBREAKS), which COMP_WORDS holds: a reply carries as much
        # of the text before the name (`--key=`, `-k`) as that part has.
        local opt=$REPLY value=${cur#"$REPLY"} vraw=${rawcur#"$REPLY"}
        local bcur=${COMP_WORDS[COMP_CWORD]-} pre="" name k
        [[ ${#bcur} == 1 && $COMP_WORDBREAKS == *"$bcur"* ]] && bcur=""
        if ((${#bcur} > ${#vraw})); then
            k=$((${#bcur} - ${#vraw}))
            ((k > ${#opt})) && k=${#opt}
            pre=${opt:${#opt}-k}
        fi
        COMPREPLY=()
        while IFS= read -r name; do
            [[ -n $name && $name == "$value"* ]] && COMPREPLY+=("$pre$name")
        done < <(__keycask_key_names "${before[@]}")
        return 0
    fi
    if ((n > 1)) && [[ $cur != -* ]] && __keycask_wants_file "${before[@]}"; then
        # INPUT, FILE, PATH: file names (clap's completion would offer the
        # options there).
        compopt -o filenames 2>/dev/null
        COMPREPLY=()
        local file
        while IFS= read -r file; do
            COMPREPLY+=("$file")
        done < <(compgen -f -- "$cur")
        return 0
    fi
    _keycask "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _keycask_with_names -o nosort -o bashdefault -o default keycask
else
    complete -F _keycask_with_names -o bashdefault -o default keycask
fi
