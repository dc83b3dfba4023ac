{% macro hmac_sha256(message, inner_pad, outer_pad) -%}
    {{ return(adapter.dispatch('hmac_sha256', 'insight_hub')(message, inner_pad, outer_pad)) }}
{%- endmacro %}

{% macro default__hmac_sha256(message, inner_pad, outer_pad) -%}
    {#- RFC 2104 over SHA-256, lower-case hex. encode() gives the UTF-8 bytes
        of the message; a cast to BLOB would fail on non-ASCII text and read
        backslash escapes as bytes. -#}
    sha256(({{ outer_pad }}) || unhex(sha256(({{ inner_pad }}) || encode({{ message }}))))
{%- endmacro %}


{% macro pseudonymise(value, domain, commission) -%}
    {#- Keyed token of a normalised value: HMAC(commission key, domain || 0x1F || value).
        The commission key's pads are session variables set by the
        insight_hub.dbt_plugins.pseudonymisation plugin; without them the query
        fails rather than producing unkeyed hashes. -#}
    {%- if not modules.re.fullmatch('[a-z][a-z_]*', domain) -%}
        {{ exceptions.raise_compiler_error("pseudonymise: domain '" ~ domain ~ "' must be a lower_snake_case literal") }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[A-Za-z0-9-]+', commission | string) -%}
        {{ exceptions.raise_compiler_error("pseudonymise: commission '" ~ commission ~ "' is not a commission id") }}
    {%- endif -%}
    {%- set missing = "error('pseudonymisation key for commission " ~ commission ~ " is not loaded: run dbt with the insight_hub.dbt_plugins.pseudonymisation plugin and a commissions register that lists it')" -%}
    {%- set inner_pad = "coalesce(getvariable('insight_hub_ipad:" ~ commission ~ "'), " ~ missing ~ ")" -%}
    {%- set outer_pad = "coalesce(getvariable('insight_hub_opad:" ~ commission ~ "'), " ~ missing ~ ")" -%}
    case when ({{ value }}) is not null then {{ hmac_sha256("'" ~ domain ~ "' || chr(31) || (" ~ value ~ ")", inner_pad, outer_pad) }} end
{%- endmacro %}


{% macro pseudonymise_each(values, domain, commission) -%}
    {#- The list of keyed tokens (pseudonymise) of each value of a list, in
        its order; NULL for a NULL list. -#}
    list_transform({{ values }}, lambda value: {{ pseudonymise('value', domain, commission) }})
{%- endmacro %}
