;; count_items.wat - a custom WASM node module for Hetumind (hetumind.wasm), in WebAssembly
;; text: no wasm32 Rust/C target could be installed offline here, and wasmtime compiles WAT.
;;
;; ABI (docs/sandbox.md): stdin is {"items": [<item json>, ...], "parameters": {...}};
;; the module writes {"items": [...]} (or a bare array) to stdout and exits 0.
;; This one answers {"items":[{"count":N}]}, N = the number of input items. It scans the
;; JSON once, tracking strings and nesting depth, counting commas inside the first array.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; 0..16: iovec + result count; 64..: output text; 4096..: input (grows as needed)
  (data (i32.const 64) "{\"items\":[{\"count\":")
  (global $in i32 (i32.const 4096))

  (func $read_all (result i32)          ;; returns bytes read into $in
    (local $len i32) (local $n i32)
    (block $done
      (loop $more
        ;; make sure 64 KiB are free past the end of what we have
        (if (i32.gt_u (i32.add (i32.add (global.get $in) (local.get $len)) (i32.const 65536))
                      (i32.mul (memory.size) (i32.const 65536)))
          (then (if (i32.eq (memory.grow (i32.const 2)) (i32.const -1)) (then (unreachable)))))
        (i32.store (i32.const 0) (i32.add (global.get $in) (local.get $len)))
        (i32.store (i32.const 4) (i32.const 65536))
        (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $more)))
    (local.get $len))

  (func $count (param $len i32) (result i32)
    (local $i i32) (local $c i32) (local $depth i32) (local $str i32) (local $esc i32)
    (local $started i32) (local $any i32) (local $commas i32)
    (block $end
      (loop $scan
        (br_if $end (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (global.get $in) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (local.get $str)
          (then
            (if (local.get $esc) (then (local.set $esc (i32.const 0)) (br $scan)))
            (if (i32.eq (local.get $c) (i32.const 92)) (then (local.set $esc (i32.const 1)) (br $scan)))
            (if (i32.eq (local.get $c) (i32.const 34)) (then (local.set $str (i32.const 0))))
            (br $scan)))
        ;; outside strings: anything but whitespace inside the items array means an item
        (if (i32.and (i32.eq (local.get $depth) (i32.const 2)) (local.get $started))
          (then (if (i32.gt_u (local.get $c) (i32.const 32))
            (then (if (i32.ne (local.get $c) (i32.const 93)) (then (local.set $any (i32.const 1))))))))
        (if (i32.eq (local.get $c) (i32.const 34)) (then (local.set $str (i32.const 1)) (br $scan)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 91)) (i32.eq (local.get $c) (i32.const 123)))
          (then
            (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
            (if (i32.and (i32.eq (local.get $depth) (i32.const 2)) (i32.eq (local.get $c) (i32.const 91)))
              (then (local.set $started (i32.const 1))))
            (br $scan)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 93)) (i32.eq (local.get $c) (i32.const 125)))
          (then
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (br_if $end (i32.and (local.get $started) (i32.eq (local.get $depth) (i32.const 1))))
            (br $scan)))
        (if (i32.and (i32.eq (local.get $c) (i32.const 44))
                     (i32.and (local.get $started) (i32.eq (local.get $depth) (i32.const 2))))
          (then (local.set $commas (i32.add (local.get $commas) (i32.const 1)))))
        (br $scan)))
    (if (result i32) (local.get $any)
      (then (i32.add (local.get $commas) (i32.const 1)))
      (else (i32.const 0))))

  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func (export "_start")
    (local $n i32) (local $p i32) (local $digits i32)
    (local.set $n (call $count (call $read_all)))
    (call $write (i32.const 64) (i32.const 19))
    ;; decimal digits, written backwards from 200
    (local.set $p (i32.const 200))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $n)))
    (call $write (local.get $p) (i32.sub (i32.const 200) (local.get $p)))
    (i32.store (i32.const 200) (i32.const 0x0a7d5d7d)) ;; "}]}\n", little-endian
    (call $write (i32.const 200) (i32.const 4))))
