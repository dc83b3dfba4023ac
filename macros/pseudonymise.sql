{% macro pseudonymise(value, domain, commission) -%}
    {#- Keyed token of a normalised value: HMAC(commission key, domain || 0x1F || value),
        NULL for NULL. The key is held by the Python function insight_hub_token,
        which the insight_hub.dbt_plugins.pseudonymisation plugin registers;
        without the plugin the query fails rather than producing unkeyed hashes. -#}
    insight_hub_token({{ token_function_arguments(domain, commission) }}, {{ value }})
{%- endmacro %}


{% macro pseudonymise_each(values, domain, commission) -%}
    {#- The list of keyed tokens (pseudonymise) of each value of a list, in
        its order; NULL for a NULL list (one call per batch of rows, not per element). -#}
    insight_hub_tokens({{ token_function_arguments(domain, commission) }}, {{ values }})
{%- endmacro %}


{% macro token_function_arguments(domain, commission) -%}
    {#- The commission and domain arguments of the token functions as SQL
        literals, checked first (they are compiled into the SQL). -#}
    {%- if not modules.re.fullmatch('[a-z][a-z_]*', domain) -%}
        {{ exceptions.raise_compiler_error("pseudonymise: domain '" ~ domain ~ "' must be a lower_snake_case literal") }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[A-Za-z0-9-]+', commission | string) -%}
        {{ exceptions.raise_compiler_error("pseudonymise: commission '" ~ commission ~ "' is not a commission id") }}
    {%- endif -%}
    '{{ commission }}', '{{ domain }}'
{%- endmacro %}
