{#- Confidence intervals and comparisons the insight marts publish. Each is
    a plain SQL expression that any engine runs.
    z defaults to the two-sided 95% normal quantile. -#}

{% macro wilson_interval(numerator, denominator, bound, z=1.959963984540054) -%}
    {#- Wilson score interval for the proportion numerator / denominator, as a
        proportion (0 to 1). bound is 'lower' or 'upper'. NULL when the
        denominator is not positive or the numerator is outside 0..denominator
        (a count that is not a subset of its population has no Wilson interval). -#}
    {%- if bound not in ['lower', 'upper'] -%}
        {{ exceptions.raise_compiler_error("wilson_interval: bound must be 'lower' or 'upper', not " ~ bound) }}
    {%- endif -%}
    {%- set x = 'cast(' ~ numerator ~ ' as double)' -%}
    {%- set n = 'cast(' ~ denominator ~ ' as double)' -%}
    {%- set z2 = z * z -%}
    case
        when {{ n }} > 0 and {{ x }} >= 0 and {{ x }} <= {{ n }}
            then {{ 'greatest(0.0, ' if bound == 'lower' else 'least(1.0, ' }}(
                {{ x }} / {{ n }} + {{ z2 }} / (2 * {{ n }})
                {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt(
                    ({{ x }} / {{ n }}) * (1 - {{ x }} / {{ n }}) / {{ n }} + {{ z2 }} / (4 * {{ n }} * {{ n }})
                )
            ) / (1 + {{ z2 }} / {{ n }}))
    end
{%- endmacro %}


{% macro ratio_of_proportions(numerator, denominator, reference_numerator, reference_denominator) -%}
    {#- (numerator / denominator) / (reference_numerator / reference_denominator);
        NULL when any part is zero or NULL. -#}
    case
        when {{ denominator }} > 0 and {{ reference_numerator }} > 0 and {{ reference_denominator }} > 0
            then (cast({{ numerator }} as double) / {{ denominator }})
            / (cast({{ reference_numerator }} as double) / {{ reference_denominator }})
    end
{%- endmacro %}


{% macro katz_log_interval(numerator, denominator, reference_numerator, reference_denominator, bound, z=1.959963984540054) -%}
    {#- Katz log interval for a ratio of two proportions (Katz et al. 1978):
        exp(ln(ratio) -/+ z * sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2)). NULL when either
        numerator is zero (the log is undefined) or a denominator is not
        positive. bound is 'lower' or 'upper'. -#}
    {%- if bound not in ['lower', 'upper'] -%}
        {{ exceptions.raise_compiler_error("katz_log_interval: bound must be 'lower' or 'upper', not " ~ bound) }}
    {%- endif -%}
    case
        when {{ numerator }} > 0 and {{ denominator }} > 0 and {{ reference_numerator }} > 0 and {{ reference_denominator }} > 0
            then exp(
                ln({{ ratio_of_proportions(numerator, denominator, reference_numerator, reference_denominator) }})
                {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt(
                    1.0 / {{ numerator }} - 1.0 / {{ denominator }}
                    + 1.0 / {{ reference_numerator }} - 1.0 / {{ reference_denominator }}
                )
            )
    end
{%- endmacro %}


{% macro compared_with_benchmark(lower, upper, benchmark) -%}
    {#- 'higher' when the whole confidence interval lies above the benchmark,
        'lower' when it lies below, 'similar' when it contains it (the
        Fingertips convention); NULL when the interval or benchmark is unknown. -#}
    case
        when {{ lower }} is null or {{ upper }} is null or {{ benchmark }} is null then null
        when {{ lower }} > {{ benchmark }} then 'higher'
        when {{ upper }} < {{ benchmark }} then 'lower'
        else 'similar'
    end
{%- endmacro %}


{% macro rate_per_1000_interval_columns(name, numerator, denominator) -%}
    {#- The select-list columns for one proportion without a benchmark, named
        from `name`: {name}_rate_per_1000 (rounded to 2 decimal places) and its
        95% Wilson score interval ({name}_rate_per_1000_ci_lower, _ci_upper).
        NULL when the numerator is NULL (a withheld count). -#}
    round(1000.0 * {{ numerator }} / nullif({{ denominator }}, 0), 2) as {{ name }}_rate_per_1000,
    round(1000.0 * {{ wilson_interval(numerator, denominator, 'lower') }}, 2) as {{ name }}_rate_per_1000_ci_lower,
    round(1000.0 * {{ wilson_interval(numerator, denominator, 'upper') }}, 2) as {{ name }}_rate_per_1000_ci_upper
{%- endmacro %}


{% macro rate_per_1000_columns(
    name, numerator, denominator, benchmark_numerator=none, benchmark_denominator=none, benchmark='borough'
) -%}
    {#- The select-list columns the marts publish for one proportion, named
        from `name`: rate_per_1000_interval_columns ({name}_rate_per_1000 with
        its 95% Wilson score interval), the benchmark's rate
        ({benchmark}_{name}_rate_per_1000), the ratio to it
        ({name}_rate_ratio_to_{benchmark}) and whether the interval lies
        above, below or around it ({name}_compared_with_{benchmark}). Rates
        rounded to 2 decimal places and ratios to 3; the comparison is made on
        unrounded figures. The benchmark's numerator and denominator default
        to the columns named {benchmark}_{numerator} and
        {benchmark}_{denominator} (e.g. borough_people_known_count beside
        people_known_count). Each column is NULL when a count it uses is NULL
        (a withheld count, in a sharing model). -#}
    {%- set benchmark_numerator = benchmark_numerator or benchmark ~ '_' ~ numerator -%}
    {%- set benchmark_denominator = benchmark_denominator or benchmark ~ '_' ~ denominator -%}
    {{ rate_per_1000_interval_columns(name, numerator, denominator) }},
    round(1000.0 * {{ benchmark_numerator }} / nullif({{ benchmark_denominator }}, 0), 2)
        as {{ benchmark }}_{{ name }}_rate_per_1000,
    round({{ ratio_of_proportions(numerator, denominator, benchmark_numerator, benchmark_denominator) }}, 3)
        as {{ name }}_rate_ratio_to_{{ benchmark }},
    {{ compared_with_benchmark(
        wilson_interval(numerator, denominator, 'lower'),
        wilson_interval(numerator, denominator, 'upper'),
        'cast(' ~ benchmark_numerator ~ ' as double) / nullif(' ~ benchmark_denominator ~ ', 0)'
    ) }} as {{ name }}_compared_with_{{ benchmark }}
{%- endmacro %}


{% macro share_of_total(part, total) -%}
    {#- part / total as a proportion rounded to 4 decimal places; NULL when
        either is NULL or the total is 0. -#}
    round(cast({{ part }} as double) / nullif({{ total }}, 0), 4)
{%- endmacro %}


{% macro jaccard_index(both, first, second) -%}
    {#- The Jaccard index of two sets from their sizes and the size of their
        intersection: both / (first + second - both), rounded to 4 decimal
        places (share_of_total); NULL when any is NULL. -#}
    {{ share_of_total(both, '(' ~ first ~ ' + ' ~ second ~ ' - ' ~ both ~ ')') }}
{%- endmacro %}


{% macro representation_columns(users, users_known, residents, residents_total) -%}
    {#- The select-list columns comparing a group's share of a service's
        users (users / users_known) with its share of residents (residents /
        residents_total): representation_ratio (ratio_of_proportions), its 95%
        Katz log interval (representation_ratio_ci_lower, _ci_upper), rounded
        to 3 decimal places, and representation: over-represented or
        under-represented when the interval lies wholly above or below 1, else
        in proportion (compared on the rounded bounds). NULL when a count is
        NULL or the users are 0. -#}
    round({{ ratio_of_proportions(users, users_known, residents, residents_total) }}, 3) as representation_ratio,
    round({{ katz_log_interval(users, users_known, residents, residents_total, 'lower') }}, 3)
        as representation_ratio_ci_lower,
    round({{ katz_log_interval(users, users_known, residents, residents_total, 'upper') }}, 3)
        as representation_ratio_ci_upper,
    case {{ compared_with_benchmark(
        'round(' ~ katz_log_interval(users, users_known, residents, residents_total, 'lower') ~ ', 3)',
        'round(' ~ katz_log_interval(users, users_known, residents, residents_total, 'upper') ~ ', 3)',
        '1.0'
    ) }}
        when 'higher' then 'over-represented'
        when 'lower' then 'under-represented'
        when 'similar' then 'in proportion'
    end as representation
{%- endmacro %}
