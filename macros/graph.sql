{#- Lookups of declared resources in dbt's graph, by name. -#}

{% macro source_node(source_name, table_name) -%}
    {%- set key = 'source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name -%}
    {%- if key not in graph.sources -%}
        {{ exceptions.raise_compiler_error("source " ~ source_name ~ "." ~ table_name ~ " is not declared") }}
    {%- endif -%}
    {{ return(graph.sources[key]) }}
{%- endmacro %}


{% macro model_meta(model_name, key) -%}
    {#- A model's meta value, looked up by name at execution (None while parsing). -#}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
            {{ return(node.config.meta.get(key)) }}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error("model_meta: no model named " ~ model_name) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
