select id from {{ source('raw', 'users') }}
