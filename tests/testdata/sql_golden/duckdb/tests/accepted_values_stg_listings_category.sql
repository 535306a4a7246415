-- accepted_values: stg_listings.category
select
    category as value_field,
    count(*) as n_records
from staging.stg_listings
where category is not null
    and category not in ('Electronics', 'Industrial', 'Textiles', 'Plastics', 'Metals', 'Batteries')
group by category
