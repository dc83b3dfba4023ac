{#- Governance rules the build enforces (on-run-start): the published privacy
    notice, the commissions register and the model metadata must agree before
    anything is built. Each violation names the resource and column; all are
    reported together and the run stops. -#}

{% macro governance_register(name) -%}
    {#- A governance seed read in place, so the rules can run before seeds load. -#}
    {{ return(adapter.dispatch('governance_register', 'insight_hub')(name)) }}
{%- endmacro %}

{% macro default__governance_register(name) -%}
    read_csv('seeds/governance/{{ name }}.csv', header = true, all_varchar = true)
{%- endmacro %}


{% macro register_rows(name) -%}
    {%- set table = run_query('select * from ' ~ governance_register(name)) -%}
    {%- set rows = [] -%}
    {%- for row in table.rows -%}
        {%- set record = {} -%}
        {%- for column in table.column_names -%}
            {%- do record.update({column: row[column]}) -%}
        {%- endfor -%}
        {%- do rows.append(record) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}


{% macro split_list(value) -%}
    {%- set items = [] -%}
    {%- for item in (value or '').split('|') -%}
        {%- if item | trim -%}{%- do items.append(item | trim) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(items) }}
{%- endmacro %}


{% macro as_list(value) -%}
    {{ return([] if value is none else (value if value is iterable and value is not string else [value])) }}
{%- endmacro %}


{% macro parent_categories(node) -%}
    {#- The data categories any column of a node's parents declares (or their
        model default). Which parent column a column carries is the catalogue
        check's to prove, by column lineage (insight_hub.governance). -#}
    {%- set found = [] -%}
    {%- for parent_id in node.get('depends_on', {}).get('nodes', []) if parent_id in graph.nodes or parent_id in graph.sources -%}
        {%- set parent = graph.nodes[parent_id] if parent_id in graph.nodes else graph.sources[parent_id] -%}
        {%- do found.extend(as_list(parent.config.meta.get('data_category'))) -%}
        {%- for column in parent.columns.values() -%}
            {%- do found.extend(as_list(column.meta.get('data_category', parent.config.meta.get('data_category')))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(found | unique | list) }}
{%- endmacro %}


{% macro lineage_commissions(unique_id, memo) -%}
    {#- The commissions whose source data flows into a node, following refs. -#}
    {%- if unique_id in memo -%}{{ return(memo[unique_id]) }}{%- endif -%}
    {%- set found = [] -%}
    {%- if unique_id in graph.sources -%}
        {%- set commission = graph.sources[unique_id].config.meta.get('commission') -%}
        {%- if commission -%}{%- do found.append(commission) -%}{%- endif -%}
    {%- elif unique_id in graph.nodes -%}
        {%- for parent in graph.nodes[unique_id].depends_on.nodes -%}
            {%- for commission in lineage_commissions(parent, memo) -%}
                {%- if commission not in found -%}{%- do found.append(commission) -%}{%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do memo.update({unique_id: found | sort}) -%}
    {{ return(found | sort) }}
{%- endmacro %}


{% macro model_commissions(node, memo) -%}
    {#- meta.commission is a list of commission ids, or `lineage` for the
        commissions of the sources upstream of the model. -#}
    {%- set declared = node.config.meta.get('commission') -%}
    {{ return(lineage_commissions(node.unique_id, memo) if declared == 'lineage' else as_list(declared)) }}
{%- endmacro %}


{% macro governance_violations() -%}
    {%- set today = as_of_date() -%}
    {%- set notice_categories = {} -%}
    {%- for row in register_rows('privacy_notice_categories') -%}
        {%- do notice_categories.update({row.data_category: row.special_category}) -%}
    {%- endfor -%}
    {%- set notice_recipients = register_rows('privacy_notice_recipients') | map(attribute='recipient_type') | list -%}
    {%- set commissions = {} -%}
    {%- for row in register_rows('commissions') -%}
        {%- do commissions.update({row.commission_id: row}) -%}
    {%- endfor -%}
    {%- set risk_assessments = {} -%}
    {%- for row in register_rows('risk_assessments') -%}
        {%- do risk_assessments.update({row.risk_assessment_id: row}) -%}
    {%- endfor -%}
    {%- set retention_classes = register_rows('retention_schedule') | map(attribute='retention_class') | list -%}
    {%- set identifier_pattern = var('direct_identifier_column_pattern') -%}
    {%- set levels = ['identifiable', 'pseudonymised', 'aggregate', 'none'] -%}
    {%- set memo = {} -%}
    {%- set violations = [] -%}

    {#- the registers themselves -#}
    {%- for id, commission in commissions.items() -%}
        {%- for category in split_list(commission.agreed_data_categories) -%}
            {%- if category not in notice_categories -%}
                {%- do violations.append("commission " ~ id ~ ": agreed category '" ~ category ~ "' is not in the published privacy notice") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if not commission.lawful_basis -%}
            {%- do violations.append("commission " ~ id ~ ": no lawful basis recorded") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for approval in register_rows('sharing_approvals') -%}
        {%- if approval.recipient_type not in notice_recipients -%}
            {%- do violations.append("sharing approval " ~ approval.approval_id ~ ": recipient '" ~ approval.recipient_type ~ "' is not in the published privacy notice") -%}
        {%- endif -%}
        {%- if approval.commission_id not in commissions -%}
            {%- do violations.append("sharing approval " ~ approval.approval_id ~ ": commission " ~ approval.commission_id ~ " is not in the commissions register") -%}
        {%- endif -%}
    {%- endfor -%}

    {#- sources and models -#}
    {%- set resources = [] -%}
    {%- for source in graph.sources.values() -%}{%- do resources.append(source) -%}{%- endfor -%}
    {%- for node in graph.nodes.values() if node.resource_type in ['model', 'snapshot'] -%}{%- do resources.append(node) -%}{%- endfor -%}
    {%- for node in resources -%}
        {%- set is_source = node.resource_type == 'source' -%}
        {%- set label = (node.resource_type ~ ' ' ~ node.source_name ~ '.' ~ node.name) if is_source else (node.resource_type ~ ' ' ~ node.name) -%}
        {%- set meta = node.config.meta -%}
        {%- set in_staging = is_source or node.fqn[1] == 'staging' -%}
        {%- if is_source -%}
            {%- set node_commissions = [meta.commission] if meta.get('commission') else [] -%}
        {%- else -%}
            {%- for key in ['commission', 'owning_service', 'lawful_basis', 'identifiability', 'retention_class'] -%}
                {%- if meta.get(key) is none -%}
                    {%- do violations.append(label ~ ": meta." ~ key ~ " is missing") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if meta.get('retention_class') and meta.retention_class not in retention_classes -%}
                {%- do violations.append(label ~ ": retention class '" ~ meta.retention_class ~ "' is not in the retention schedule") -%}
            {%- endif -%}
            {%- set node_commissions = model_commissions(node, memo) if meta.get('commission') else [] -%}
        {%- endif -%}
        {%- if meta.get('identifiability') and meta.identifiability not in levels -%}
            {%- do violations.append(label ~ ": identifiability '" ~ meta.identifiability ~ "' is not one of " ~ levels | join(', ')) -%}
        {%- endif -%}
        {%- for commission_id in node_commissions if commission_id not in commissions -%}
            {%- do violations.append(label ~ ": commission " ~ commission_id ~ " is not in the commissions register") -%}
        {%- endfor -%}
        {%- for permitted in meta.get('permitted_recipients', []) if permitted not in notice_recipients -%}
            {%- do violations.append(label ~ ": permitted recipient '" ~ permitted ~ "' is not in the published privacy notice") -%}
        {%- endfor -%}

        {%- set holds_identifiable = [meta.get('identifiability') == 'identifiable'] -%}
        {%- set inherited = parent_categories(node) -%}
        {%- for column in node.columns.values() -%}
            {%- set where = label ~ ", column " ~ column.name -%}
            {%- set category = column.meta.get('data_category', meta.get('data_category')) -%}
            {%- set level = column.meta.get('identifiability', meta.get('identifiability')) -%}
            {%- set categories = as_list(category) -%}
            {%- set specials = as_list(column.meta.get('special_category', 'none')) -%}
            {%- if (category is none or level is none) and not (is_source and not meta.get('commission')) -%}
                {%- do violations.append(where ~ ": data_category and identifiability are required (on the column or as the model's default)") -%}
            {%- endif -%}
            {%- for category in categories if category != 'none' -%}
                {%- if category not in notice_categories -%}
                    {%- do violations.append(where ~ ": data category '" ~ category ~ "' is not in the published privacy notice") -%}
                {%- else -%}
                    {%- if notice_categories[category] != 'none' and notice_categories[category] not in specials -%}
                        {%- do violations.append(where ~ ": '" ~ category ~ "' is special category data; declare meta.special_category " ~ notice_categories[category]) -%}
                    {%- endif -%}
                    {#- a category a parent carries was checked there, against the
                        commissions whose data it came from: a union of extracts
                        carries every extract's categories, each row only its own
                        commission's. A category the node brings in itself must
                        be agreed for every commission whose data reaches it. -#}
                    {%- for commission_id in node_commissions if commission_id in commissions and category not in inherited -%}
                        {%- if category not in split_list(commissions[commission_id].agreed_data_categories) -%}
                            {%- do violations.append(where ~ ": data category '" ~ category ~ "' was not agreed for commission " ~ commission_id) -%}
                        {%- endif -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for special in specials if special not in ['none', 'art9', 'art10'] -%}
                {%- do violations.append(where ~ ": special_category '" ~ special ~ "' is not none, art9 or art10") -%}
            {%- endfor -%}
            {%- if not is_source and level != 'aggregate' -%}
                {#- classification travels with the data: a column must declare at
                    least what the same-named column of each parent declares -#}
                {%- for parent_id in node.depends_on.nodes if parent_id in graph.nodes and column.name in graph.nodes[parent_id].columns -%}
                    {%- set parent = graph.nodes[parent_id] -%}
                    {%- set parent_column = parent.columns[column.name] -%}
                    {%- for inherited in as_list(parent_column.meta.get('data_category', parent.config.meta.get('data_category'))) if inherited not in categories + ['none'] -%}
                        {%- do violations.append(where ~ ": its parent " ~ parent.name ~ " classifies it '" ~ inherited ~ "', which it does not declare") -%}
                    {%- endfor -%}
                    {%- for inherited in as_list(parent_column.meta.get('special_category', 'none')) if inherited not in specials + ['none'] -%}
                        {%- do violations.append(where ~ ": its parent " ~ parent.name ~ " marks it special category " ~ inherited ~ ", which it does not declare") -%}
                    {%- endfor -%}
                {%- endfor -%}
            {%- endif -%}
            {%- if level and level not in levels -%}
                {%- do violations.append(where ~ ": identifiability '" ~ level ~ "' is not one of " ~ levels | join(', ')) -%}
            {%- endif -%}
            {%- if level == 'identifiable' -%}
                {%- do holds_identifiable.append(true) -%}
            {%- endif -%}
            {%- if not in_staging and (level == 'identifiable' or modules.re.fullmatch(identifier_pattern, column.name | lower)) -%}
                {%- do violations.append(where ~ ": a direct identifier outside staging (only tokens may leave staging)") -%}
            {%- endif -%}
        {%- endfor -%}

        {#- a source holds identifiable data while its files are in the landing folder -#}
        {%- if (landing_file_count(meta) > 0 if is_source and meta.get('commission') else true in holds_identifiable) -%}
            {%- for commission_id in node_commissions if commission_id in commissions -%}
                {%- set assessment = risk_assessments.get(commissions[commission_id].risk_assessment_id) -%}
                {%- if assessment is none or assessment.status != 'approved' -%}
                    {%- do violations.append(label ~ ": holds identifiable data of commission " ~ commission_id ~ " without an approved risk assessment") -%}
                {%- elif assessment.review_date < today -%}
                    {%- do violations.append(label ~ ": the risk assessment " ~ assessment.risk_assessment_id ~ " for commission " ~ commission_id ~ " passed its review date " ~ assessment.review_date) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}

    {#- retention is executable: no run may read an expired commission's data -#}
    {%- set expired = expired_commissions(today) -%}
    {%- for source in graph.sources.values() if source.config.meta.get('commission') in expired -%}
        {%- if landing_file_count(source.config.meta) > 0 -%}
            {%- do violations.append("source " ~ source.source_name ~ "." ~ source.name ~ ": the retention of commission " ~ source.config.meta.commission ~ " has ended; remove its data with: dbt run-operation purge_expired --args '{apply: true}'") -%}
        {%- endif -%}
    {%- endfor -%}

    {#- failing-test samples must never hold identifiable rows -#}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' -%}
        {%- if node.config.get('store_failures') or flags.STORE_FAILURES -%}
            {%- for parent in node.depends_on.nodes -%}
                {%- if parent in graph.sources or (parent in graph.nodes and graph.nodes[parent].fqn[1] == 'staging') -%}
                    {%- do violations.append("test " ~ node.name ~ ": store_failures would keep failing rows of " ~ parent ~ ", which holds identifiable data") -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do violations.extend(graph_violations()) -%}
    {%- do violations.extend(audience_violations()) -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro graph_violations() -%}
    {#- Rules over the graph: only staging models read sources, and staging
        models store nothing (views or ephemeral), except the models
        var('staging_table_models') names. -#}
    {%- set violations = [] -%}
    {%- set stored_in_staging = var('staging_table_models', []) -%}
    {%- set readers = (graph.nodes.values() | list) + (graph.exposures.values() | list) -%}
    {%- for node in readers if node.resource_type != 'test' -%}
        {%- set label = node.resource_type ~ ' ' ~ node.name -%}
        {%- set in_staging = node.resource_type == 'model' and node.fqn[1] == 'staging' -%}
        {%- for parent in node.depends_on.nodes if parent in graph.sources and not in_staging -%}
            {%- set source = graph.sources[parent] -%}
            {%- do violations.append(label ~ ": reads source " ~ source.source_name ~ "." ~ source.name ~ " directly; only staging models (models/staging/) may read a source") -%}
        {%- endfor -%}
        {%- if in_staging -%}
            {%- set allowed = ['view', 'ephemeral'] + (['table'] if node.name in stored_in_staging else []) -%}
            {%- if node.config.materialized not in allowed -%}
                {%- do violations.append(label ~ ": a staging model is materialized as '" ~ node.config.materialized ~ "'; staging models are views or ephemeral, so the cleartext they read is never stored") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro audience_violations() -%}
    {#- Item 7's rule: unsuppressed marts are for the Hub's analysts. An
        exposure for services or partners may read only sharing models
        (audience approved_recipients) and dimensions holding no counts of
        people (audience public; insight_hub.governance proves it on the built
        warehouse). -#}
    {%- set violations = [] -%}
    {%- set exposure_audiences = ['hub_analysts', 'services', 'partners'] -%}
    {%- set model_audiences = ['hub_analysts', 'approved_recipients', 'public'] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.meta.get('audience') is not none -%}
        {%- set audience = node.config.meta.audience -%}
        {%- if audience not in model_audiences -%}
            {%- do violations.append("model " ~ node.name ~ ": meta.audience '" ~ audience ~ "' is not one of " ~ model_audiences | join(', ')) -%}
        {%- elif audience == 'approved_recipients' and node.fqn[1] != 'sharing' -%}
            {%- do violations.append("model " ~ node.name ~ ": only sharing models (models/sharing/) are for approved recipients") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for exposure in graph.exposures.values() -%}
        {%- set audience = exposure.config.meta.get('audience', exposure.meta.get('audience')) -%}
        {%- if audience not in exposure_audiences -%}
            {%- do violations.append("exposure " ~ exposure.name ~ ": meta.audience '" ~ audience ~ "' is not one of " ~ exposure_audiences | join(', ')) -%}
        {%- elif audience != 'hub_analysts' -%}
            {%- for parent in exposure.depends_on.nodes if parent in graph.nodes -%}
                {%- set model_audience = graph.nodes[parent].config.meta.get('audience') -%}
                {%- if model_audience not in ['approved_recipients', 'public'] -%}
                    {%- do violations.append("exposure " ~ exposure.name ~ " (audience " ~ audience ~ "): reads " ~ graph.nodes[parent].name ~ " (audience " ~ model_audience ~ "); a dashboard for services or partners reads only sharing models and dimensions without counts of people") -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(violations) }}
{%- endmacro %}


{% macro enforce_governance() -%}
    {#- on-run-start: stop the run, naming every violation, before anything is built. -#}
    {%- if execute -%}
        {%- set violations = governance_violations() -%}
        {%- if violations -%}
            {{ exceptions.raise_compiler_error("Governance check failed (" ~ violations | length ~ "):\n  - " ~ violations | join("\n  - ")) }}
        {%- endif -%}
        {{ log("Governance check passed: metadata, privacy notice, commissions, risk assessments, the graph and the audiences agree.", info=true) }}
    {%- endif -%}
    select 1 as governance_checked
{%- endmacro %}
