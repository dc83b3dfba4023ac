{% test one_value_per_group(model, group_by, value) %}
{#- Fails with each group that has more than one distinct value of a column
    (e.g. a person key held by two clusters). -#}
select
    {{ group_by }},
    count(distinct {{ value }}) as distinct_values
from {{ model }}
group by {{ group_by }}
having count(distinct {{ value }}) > 1
{% endtest %}
