{
  "targets": [
    {
      "target_name": "crc32c",
      "sources": ["native/crc32c.c"],
      "cflags": ["-O3", "-msse4.2", "-std=gnu11"],
      "conditions": [["target_arch != 'x64'", { "type": "none", "sources": [] }]]
    }
  ]
}
