{% macro person_extract_declaration(node) -%}
    {#- What a person-level source declares, checked: its columns by role, as
        {'by_role': {role: column} for the roles one column may hold,
        'attributes': [column, ...], 'contacts': [column, ...],
        'address_lines': [column, ...] in the source's order}. A compile
        error names the source, and the column, when meta.commission, format
        or date_formats is missing, a role is unknown or held by two columns,
        an attribute has no new name (meta.as), a contact_identifier no
        lower_snake_case domain, a required role (record_ref, event_date, extracted_at) no
        column, the extract time no timestamp format, or full_name is mapped
        beside forename or surname. -#}
    {%- set meta = node.config.meta -%}
    {%- set label = node.source_name ~ "." ~ node.name -%}
    {%- for required in ['commission', 'format', 'date_formats'] -%}
        {%- if not meta.get(required) -%}
            {{ exceptions.raise_compiler_error("source " ~ label ~ ": meta." ~ required ~ " is required") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set roles = person_extract_roles() -%}
    {%- set by_role = {} -%}
    {%- set attributes = [] -%}
    {%- set contacts = [] -%}
    {%- set address_lines = [] -%}
    {%- for column in node.columns.values() -%}
        {#- a column may fill several roles, e.g. [event_date, extracted_at] -#}
        {%- set column_roles = column.meta.get('role') -%}
        {%- for role in (column_roles if column_roles is not string and column_roles is iterable else [column_roles]) -%}
            {%- if role not in roles -%}
                {{ exceptions.raise_compiler_error("source " ~ label ~ ", column '" ~ column.name ~ "': meta.role '" ~ role ~ "' is not one of " ~ (roles.keys() | list | join(', '))) }}
            {%- endif -%}
            {%- if roles[role] and role in by_role -%}
                {{ exceptions.raise_compiler_error("source " ~ label ~ ": columns '" ~ by_role[role].name ~ "' and '" ~ column.name ~ "' both have role " ~ role) }}
            {%- endif -%}
            {%- if role == 'attribute' -%}
                {%- if not column.meta.get('as') or column.meta.as in person_extract_columns() -%}
                    {{ exceptions.raise_compiler_error("source " ~ label ~ ", column '" ~ column.name ~ "': an attribute needs meta.as, a new column name") }}
                {%- endif -%}
                {%- do attributes.append(column) -%}
            {%- elif role == 'contact_identifier' -%}
                {%- if not modules.re.fullmatch('[a-z][a-z_]*', column.meta.get('domain') | string) -%}
                    {{ exceptions.raise_compiler_error("source " ~ label ~ ", column '" ~ column.name ~ "': a contact_identifier needs meta.domain, a lower_snake_case name such as email, phone, nino or national_id") }}
                {%- endif -%}
                {%- if (column.meta.domain ~ '_token') in person_extract_columns() -%}
                    {{ exceptions.raise_compiler_error("source " ~ label ~ ", column '" ~ column.name ~ "': contact_identifier domain '" ~ column.meta.domain ~ "' is already a canonical column's token; map the column to that role instead") }}
                {%- endif -%}
                {%- do contacts.append(column) -%}
            {%- elif role == 'address_line' -%}
                {%- do address_lines.append(column) -%}
            {%- elif roles[role] -%}
                {%- do by_role.update({role: column}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for required in ['record_ref', 'event_date', 'extracted_at'] -%}
        {%- if required not in by_role -%}
            {{ exceptions.raise_compiler_error("source " ~ label ~ ": no column has role " ~ required) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not (by_role.extracted_at.meta.get('formats') or meta.get('timestamp_formats')) -%}
        {{ exceptions.raise_compiler_error("source " ~ label ~ ": meta.timestamp_formats (or the extracted_at column's meta.formats) is required to read column '" ~ by_role.extracted_at.name ~ "'") }}
    {%- endif -%}
    {%- if 'full_name' in by_role and ('forename' in by_role or 'surname' in by_role) -%}
        {{ exceptions.raise_compiler_error("source " ~ label ~ ": map either full_name or forename and surname, not both") }}
    {%- endif -%}
    {{ return({'by_role': by_role, 'attributes': attributes, 'contacts': contacts, 'address_lines': address_lines}) }}
{%- endmacro %}
