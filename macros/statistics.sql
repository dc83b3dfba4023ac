{#- Confidence intervals and comparisons the insight marts publish. Each is
    a SQL expression, dispatched so another engine adds one implementation.
    z defaults to the two-sided 95% normal quantile. -#}

{% macro wilson_interval(numerator, denominator, bound, z=1.959963984540054) -%}
    {{ return(adapter.dispatch('wilson_interval', 'insight_hub')(numerator, denominator, bound, z)) }}
{%- endmacro %}

{% macro default__wilson_interval(numerator, denominator, bound, z) -%}
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
    {{ return(adapter.dispatch('ratio_of_proportions', 'insight_hub')(numerator, denominator, reference_numerator, reference_denominator)) }}
{%- endmacro %}

{% macro default__ratio_of_proportions(numerator, denominator, reference_numerator, reference_denominator) -%}
    {#- (numerator / denominator) / (reference_numerator / reference_denominator);
        NULL when any part is zero or NULL. -#}
    case
        when {{ denominator }} > 0 and {{ reference_numerator }} > 0 and {{ reference_denominator }} > 0
            then (cast({{ numerator }} as double) / {{ denominator }})
            / (cast({{ reference_numerator }} as double) / {{ reference_denominator }})
    end
{%- endmacro %}


{% macro katz_log_interval(numerator, denominator, reference_numerator, reference_denominator, bound, z=1.959963984540054) -%}
    {{ return(adapter.dispatch('katz_log_interval', 'insight_hub')(numerator, denominator, reference_numerator, reference_denominator, bound, z)) }}
{%- endmacro %}

{% macro default__katz_log_interval(numerator, denominator, reference_numerator, reference_denominator, bound, z) -%}
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
    {{ return(adapter.dispatch('compared_with_benchmark', 'insight_hub')(lower, upper, benchmark)) }}
{%- endmacro %}

{% macro default__compared_with_benchmark(lower, upper, benchmark) -%}
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


{% macro rate_per_1000_columns(name, numerator, denominator, benchmark_numerator, benchmark_denominator, benchmark='borough') -%}
    {#- The select-list columns the marts publish for one proportion, named
        from `name`: {name}_rate_per_1000 with its 95% Wilson score interval
        (_ci_lower, _ci_upper), the benchmark's rate ({benchmark}_{name}_rate_per_1000),
        the ratio to it ({name}_rate_ratio_to_{benchmark}) and whether the
        interval lies above, below or around it ({name}_compared_with_{benchmark}).
        Rates rounded to 2 decimal places and ratios to 3; the comparison is
        made on unrounded figures. -#}
    round(1000.0 * {{ numerator }} / nullif({{ denominator }}, 0), 2) as {{ name }}_rate_per_1000,
    round(1000.0 * {{ wilson_interval(numerator, denominator, 'lower') }}, 2) as {{ name }}_rate_per_1000_ci_lower,
    round(1000.0 * {{ wilson_interval(numerator, denominator, 'upper') }}, 2) as {{ name }}_rate_per_1000_ci_upper,
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
