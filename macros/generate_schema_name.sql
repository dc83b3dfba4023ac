{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Layers live in schemas named for the layer (staging, marts, ...), not
        <target schema>_<layer>, so analysts and dashboards see stable names. -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
