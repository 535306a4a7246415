select count(*) as n_rows from marts.mart_id_sync having count(*) <> 1
