
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
