/* The pinned weight hashes, compiled in from models.sha256 (the list scripts/fetch-models.sh
 * installs by), so that loading never depends on where the source tree is. */
__asm__(".section .rodata\n"
        ".global vision_models_sha256\n"
        ".type vision_models_sha256, @object\n"
        "vision_models_sha256:\n"
        ".incbin \"src/vision/models.sha256\"\n"
        ".byte 0\n"
        ".size vision_models_sha256, . - vision_models_sha256\n"
        ".previous\n");
