{#- Normalisation and validation of identifiers, applied in staging before
    pseudonymisation so that equal values give equal tokens, and the typing of
    a source's other attributes. Each macro is a SQL expression over one column
    and returns NULL for blank input. -#}

{% macro normalise_text(value) -%}
    nullif(trim(regexp_replace(cast({{ value }} as varchar), '\s+', ' ', 'g')), '')
{%- endmacro %}


{% macro normalise_name(value) -%}
    {#- Upper case, accents removed (Zoë -> ZOE), apostrophes, full stops and
        hyphens joined (O'Brien -> OBRIEN, Smith-Jones -> SMITHJONES), any other
        non-letter turned into one space. -#}
    nullif(trim(regexp_replace(regexp_replace(upper(strip_accents({{ normalise_text(value) }})), '[''’`.\-]', '', 'g'), '[^A-Z]+', ' ', 'g')), '')
{%- endmacro %}


{% macro strip_name_titles(normalised_name) -%}
    {#- Drops leading titles from a normalised name (MR JOHN SMITH -> JOHN SMITH). -#}
    nullif(trim(regexp_replace({{ normalised_name }}, '^((MR|MRS|MS|MISS|MX|DR|PROF|REV|SIR|DAME|LADY|LORD|MASTER)( |$))+', '')), '')
{%- endmacro %}


{% macro full_name_surname_pattern() -%}
    {#- The surname at the end of a full name: the last word and any particles
        before it (LINH DE SILVA: DE SILVA), so it is the surname a separate
        surname field gives. -#}
    (?:^| )((?:(?:DE|DA|DI|DEL|DELLA|DOS|DU|LA|LE|VAN|VON|DER|DEN|AL|EL|BIN|ST) )*[A-Z]+)$
{%- endmacro %}

{% macro full_name_surname(stripped_name) -%}
    {#- Surname of a forename-first full name without titles: the last word
        with any particles before it, spaces removed (DE SILVA -> DESILVA, as
        a separate surname field is normalised); a one-word name is a surname. -#}
    nullif(replace(regexp_extract({{ stripped_name }}, '{{ full_name_surname_pattern() }}', 1), ' ', ''), '')
{%- endmacro %}

{% macro full_name_forenames(stripped_name) -%}
    {#- Forenames of a forename-first full name without titles: the words
        before its surname (full_name_surname); NULL when there are none. -#}
    nullif(trim(regexp_replace({{ stripped_name }}, '{{ full_name_surname_pattern() }}', '')), '')
{%- endmacro %}


{% macro name_deletion_variants(name) -%}
    {#- A normalised name and, when it has three letters or more, each spelling
        with one letter left out (SMITH: SMITH, MITH, SITH, SMTH, SMIH, SMIT).
        Two names share a variant when one letter typed wrong, added, left out
        or two adjacent letters exchanged turns one into the other. -#}
    case when {{ name }} is not null then list_distinct(list_concat(
        [{{ name }}],
        case when length({{ name }}) >= 3 then
            list_transform(range(1, length({{ name }}) + 1), lambda i: left({{ name }}, i - 1) || substr({{ name }}, i + 1))
        else [] end
    )) end
{%- endmacro %}


{% macro bigrams(text) -%}
    {#- The distinct pairs of adjacent characters of a text padded with a space
        at each end (SMITH: " S", SM, MI, IT, TH, "H "), NULL for NULL. Two
        spellings of a name or address share most of their bigrams, so the Dice
        coefficient of their sets measures how alike they are, typing slips,
        inserted letters and exchanged words included. -#}
    case when {{ text }} is not null then list_distinct(list_transform(
        range(1, length({{ text }}) + 2), lambda i: substr(' ' || {{ text }} || ' ', i, 2)
    )) end
{%- endmacro %}


{% macro normalise_address(lines) -%}
    {#- The address lines of a record as one text: upper case, accents removed,
        every run of other characters than letters and digits one space; NULL
        when no line has any. -#}
    {%- if lines -%}
    nullif(trim(regexp_replace(upper(strip_accents(concat_ws(' ', {% for line in lines %}cast({{ line }} as varchar){% if not loop.last %}, {% endif %}{% endfor %}))), '[^A-Z0-9]+', ' ', 'g')), '')
    {%- else -%}
    cast(null as varchar)
    {%- endif -%}
{%- endmacro %}


{% macro soundex(value) -%}
    {{ return(adapter.dispatch('soundex', 'insight_hub')(value)) }}
{%- endmacro %}

{% macro default__soundex(value) -%}
    {#- American Soundex of a normalised name (letters A-Z): first letter, then
        the codes of the following consonants, adjacent equal codes once (H and W
        do not separate them, vowels do), padded with zeros to four characters. -#}
    {%- set letters = "regexp_replace(" ~ value ~ ", '[^A-Z]', '', 'g')" -%}
    {%- set codes = "translate(" ~ letters ~ ", 'AEIOUYBFPVCGJKQSXZDTLMNRHW', '000000111122222222334556')" -%}
    {%- set collapsed = namespace(sql=codes) -%}
    {%- for digit in range(1, 7) -%}
        {%- set collapsed.sql = "regexp_replace(" ~ collapsed.sql ~ ", '" ~ digit ~ "+', '" ~ digit ~ "', 'g')" -%}
    {%- endfor -%}
    case when {{ letters }} <> '' then
        left(left({{ letters }}, 1) || replace(substr({{ collapsed.sql }}, 2), '0', '') || '000', 4)
    end
{%- endmacro %}


{% macro normalise_postcode(value) -%}
    {#- Upper case, every space removed, then one space before the inward code
        (nw44bt, NW4  4BT -> NW4 4BT). -#}
    {%- set compact = "upper(regexp_replace(cast(" ~ value ~ " as varchar), '\\s', '', 'g'))" -%}
    case when length({{ compact }}) between 5 and 7
        then left({{ compact }}, length({{ compact }}) - 3) || ' ' || right({{ compact }}, 3)
        else nullif({{ compact }}, '')
    end
{%- endmacro %}


{% macro is_valid_postcode(normalised_postcode) -%}
    {#- BS 7666 shape of a UK postcode: outward A9, A99, AA9, AA99, A9A or AA9A;
        inward digit and two letters that are never C, I, K, M, O or V. -#}
    coalesce(regexp_full_match({{ normalised_postcode }}, '[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}'), false)
{%- endmacro %}


{% macro postcode_sector(valid_postcode) -%}
    left({{ valid_postcode }}, length({{ valid_postcode }}) - 2)
{%- endmacro %}


{% macro postcode_district(valid_postcode) -%}
    split_part({{ valid_postcode }}, ' ', 1)
{%- endmacro %}


{% macro normalise_nhs_number(value) -%}
    nullif(regexp_replace(cast({{ value }} as varchar), '[\s\-]', '', 'g'), '')
{%- endmacro %}


{% macro is_valid_nhs_number(normalised_nhs_number) -%}
    {#- Ten digits whose modulus-11 check digit is right, outside the 999 range
        reserved for testing and not one digit repeated (0000000000 passes the
        arithmetic but was never issued). -#}
    coalesce(
        regexp_full_match({{ normalised_nhs_number }}, '[0-9]{10}')
        and not starts_with({{ normalised_nhs_number }}, '999')
        and not regexp_full_match({{ normalised_nhs_number }}, '(0{10}|1{10}|2{10}|3{10}|4{10}|5{10}|6{10}|7{10}|8{10}|9{10})')
        and (11 - list_sum(list_transform(range(1, 10), lambda i: try_cast(substr({{ normalised_nhs_number }}, i, 1) as integer) * (11 - i))) % 11) % 11
            = try_cast(substr({{ normalised_nhs_number }}, 10, 1) as integer),
        false
    )
{%- endmacro %}


{% macro normalise_uprn(value) -%}
    {#- UPRNs are 1 to 12 digits; leading zeros and a trailing ".0" (from a
        spreadsheet) are dropped. -#}
    nullif(ltrim(regexp_replace(cast({{ value }} as varchar), '(\.0+)?\s*$', ''), '0 '), '')
{%- endmacro %}


{% macro is_valid_uprn(normalised_uprn) -%}
    coalesce(regexp_full_match({{ normalised_uprn }}, '[1-9][0-9]{0,11}'), false)
{%- endmacro %}


{% macro parse_date(value, formats) -%}
    {#- The first of the given strptime formats that parses the text, as a DATE;
        NULL when none does or the year is outside 1880-2100. -#}
    {%- set parsed = "cast(try_strptime(" ~ normalise_text(value) ~ ", ['" ~ (formats | join("', '")) ~ "']) as date)" -%}
    case when year({{ parsed }}) between 1880 and 2100 then {{ parsed }} end
{%- endmacro %}


{% macro parse_timestamp(value, formats) -%}
    try_strptime({{ normalise_text(value) }}, ['{{ formats | join("', '") }}'])
{%- endmacro %}


{% macro swap_day_month(date_value) -%}
    {#- The date with day and month exchanged, where that is another valid date;
        lets linkage recognise a date of birth keyed in the wrong order. -#}
    case when day({{ date_value }}) <= 12 and day({{ date_value }}) <> month({{ date_value }})
        then make_date(year({{ date_value }}), day({{ date_value }}), month({{ date_value }}))
    end
{%- endmacro %}


{% macro age_in_years(birth_date, at_date) -%}
    (year({{ at_date }}) - year({{ birth_date }})
        - case when strftime({{ at_date }}, '%m%d') < strftime({{ birth_date }}, '%m%d') then 1 else 0 end)
{%- endmacro %}


{% macro parse_boolean(value) -%}
    case
        when upper({{ normalise_text(value) }}) in ('Y', 'YES', 'TRUE', 'T', '1') then true
        when upper({{ normalise_text(value) }}) in ('N', 'NO', 'FALSE', 'F', '0') then false
    end
{%- endmacro %}


{% macro sex_from_title(normalised_title) -%}
    {#- M for MR, F for MRS, MS and MISS; NULL for any other title (DR, MX, ...). -#}
    case
        when {{ normalised_title }} = 'MR' then 'M'
        when {{ normalised_title }} in ('MRS', 'MS', 'MISS') then 'F'
    end
{%- endmacro %}


{% macro normalise_sex(value) -%}
    {#- F or M from the codings the extracts use (Female/Male, F/M, and the NHS
        person stated gender codes 1 male, 2 female); anything else is NULL. -#}
    case
        when upper({{ normalise_text(value) }}) in ('F', 'FEMALE', '2') then 'F'
        when upper({{ normalise_text(value) }}) in ('M', 'MALE', '1') then 'M'
    end
{%- endmacro %}


{% macro typed_attribute(value, type, formats) -%}
    {#- A non-identifying attribute cast to its declared type; values that do not
        parse become NULL (the column's data tests count them). -#}
    {%- if type == 'varchar' -%} {{ normalise_text(value) }}
    {%- elif type == 'integer' -%} try_cast({{ normalise_text(value) }} as integer)
    {%- elif type == 'decimal' -%} try_cast(replace({{ normalise_text(value) }}, ',', '') as decimal(12, 2))
    {%- elif type == 'boolean' -%} {{ parse_boolean(value) }}
    {%- elif type == 'date' -%} {{ parse_date(value, formats) }}
    {%- elif type == 'list' -%} list_filter(list_transform(regexp_split_to_array({{ normalise_text(value) }}, '\s*[|;]\s*'), lambda item: nullif(item, '')), lambda item: item is not null)
    {%- else -%} {{ exceptions.raise_compiler_error("attribute type '" ~ type ~ "' is not varchar, integer, decimal, boolean, date or list") }}
    {%- endif -%}
{%- endmacro %}
