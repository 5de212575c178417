-- The console's and the API's lab list is "not deleted, soonest expiry first" (ORDER BY expires_at, id), a page
-- at a time. labs_expiry (state, expires_at) cannot give that order, since state is a range there (<> 'DELETED'):
-- without this index each page read and sorted every lab (a table scan and a sort of 10,000 rows on H2, a top-N
-- sort on PostgreSQL). With it a page is read in order and the query stops after OFFSET + LIMIT rows.
CREATE INDEX labs_page_order ON labs (expires_at, id);
