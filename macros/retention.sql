{% macro retention_expiry_date(delivery_date, retention_years, retention_trigger, commission_close_date, exception_until, exception_review_date, as_of) -%}
    {#- The date a record's retention ends:
        - its information type's schedule period from the date the Hub
          received it (trigger delivery_date; the Hub's copy of a record that is
          still current in the service system is re-delivered, and restarts its
          clock), with no schedule limit for other triggers, and
        - never later than vars.hub_retention_years (dbt_project.yml) after its
          commission closes (`+ interval N year`, the arithmetic of
          insight_hub.governance.retention.add_years; tests/python/test_retention.py
          proves the two agree);
        - a retention exception pushes it to exception_until, but only while
          the exception's review date is not in the past (on as_of). -#}
    {%- set hub_limit = "cast(" ~ commission_close_date ~ " + interval " ~ (var('hub_retention_years') | int) ~ " year as date)" -%}
    {%- set scheduled = "case when " ~ retention_trigger ~ " = 'delivery_date' then cast(" ~ delivery_date ~ " + to_years(cast(" ~ retention_years ~ " as integer)) as date) end" -%}
    {%- set base = "least(coalesce(" ~ scheduled ~ ", " ~ hub_limit ~ "), " ~ hub_limit ~ ")" -%}
    case
        when {{ exception_review_date }} >= {{ as_of }} then greatest({{ base }}, {{ exception_until }})
        else {{ base }}
    end
{%- endmacro %}


{% macro as_of_date() -%}
    {#- The date governance is judged on, as yyyy-mm-dd: today, or
        var('as_of_date') to rehearse a run as of another date (risk
        assessments in date, records and commissions within retention). -#}
    {{ return(var('as_of_date', run_started_at.strftime('%Y-%m-%d')) | string) }}
{%- endmacro %}
