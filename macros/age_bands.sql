{% macro age_band_code(age_in_years) -%}
    {#- The census 2021 five-year age band (1: 0 to 4, ..., 17: 80 to 84,
        18: 85 and over) of an age in whole years; NULL for a negative or
        unknown age. The marts' age bands (stg_ons__census_age_sex). -#}
    case when ({{ age_in_years }}) >= 0 then least(cast(floor(({{ age_in_years }}) / 5) as integer) + 1, 18) end
{%- endmacro %}
