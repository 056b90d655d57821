meta:
  id: eventlog_buffer
  endian: le
doc: |
  One hypervisor event-log buffer (wdk-2013 HV_EVENTLOG_BUFFER_HEADER, then
  HV_EVENTLOG_ENTRY_HEADER entries up to NextBufferOffset), for comparing
  hvgen's reader with a Kaitai Struct parser.
seq:
  - id: header
    type: buffer_header
  - id: body
    size: header.next_buffer_offset - 72
    type: entries
types:
  buffer_header:
    seq:
      - id: buffer_size
        type: u4
      - id: buffer_index
        type: u4
      - id: events_lost
        type: u4
      - id: reference_counter
        type: u4
      - id: time_stamp
        type: u8
      - id: reserved1
        type: u8
      - id: reserved2
        type: u8
      - id: logical_processor
        type: u1
      - id: alignment
        type: u1
      - id: logger_id
        type: u2
      - id: buffer_state
        type: u4
      - id: next_buffer_offset
        type: u4
      - id: type
        type: u4
      - id: next_buffer_index
        type: u4
      - id: reserved3
        type: u4
      - id: reserved4
        type: u4
        repeat: expr
        repeat-expr: 2
  entries:
    seq:
      - id: entries
        type: entry
        repeat: eos
  entry:
    seq:
      - id: context
        type: u4
      - id: size
        type: u2
      - id: type
        type: u2
      - id: time_stamp
        type: u8
      - id: params
        type: u8
        repeat: expr
        repeat-expr: (size - 16) / 8
