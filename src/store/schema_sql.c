/* The schema text, compiled in from schema.sql (one place for the whole schema). */
__asm__(".section .rodata\n"
        ".global store_schema_sql\n"
        ".type store_schema_sql, @object\n"
        "store_schema_sql:\n"
        ".incbin \"src/store/schema.sql\"\n"
        ".byte 0\n"
        ".size store_schema_sql, . - store_schema_sql\n"
        ".previous\n");
