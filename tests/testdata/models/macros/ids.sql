{% macro normalise_id(expr) %}upper(trim({{ expr }})){% endmacro %}
