"""MLLP framing without sockets: frames split anywhere, noise between frames, a frame cut
short by a new start block, an oversized frame kept as its head, and the allow-list."""

from __future__ import annotations

import ipaddress

import pytest

from unitboard.integrations.hl7.mllp import (
    HEAD_BYTES,
    Frame,
    Framer,
    allow_list,
    allowed,
    framed,
    size_words,
)

A01 = "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201120000||ADT^A01|MSG1|P|2.5.1\rPID|1"
A08 = "MSH|^~\\&|EPIC|RIVERSIDE|UNITBOARD|RIVERSIDE|20261201120000||ADT^A08|MSG2|P|2.5.1\rPID|1"


def payloads(frames: list[Frame]) -> list[bytes]:
    return [f.payload for f in frames]


def test_two_frames_in_one_chunk_come_out_in_order() -> None:
    framer = Framer()
    frames = framer.feed(framed(A01) + framed(A08))
    assert payloads(frames) == [A01.encode(), A08.encode()]
    assert not framer.inside


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_a_frame_split_anywhere_comes_out_whole(size: int) -> None:
    """The end block may be split between reads, 0x1C in one and 0x0D in the next."""
    stream = framed(A01) + framed("MSH|é ü ß") + framed(A08)
    framer = Framer()
    frames: list[Frame] = []
    for at in range(0, len(stream), size):
        frames += framer.feed(stream[at : at + size])
    assert payloads(frames) == [A01.encode(), "MSH|é ü ß".encode(), A08.encode()]


def test_bytes_outside_a_frame_are_skipped_and_counted() -> None:
    framer = Framer()
    frames = framer.feed(b"\r\nnoise" + framed(A01) + b"\x00\x00" + framed(A08) + b"tail")
    assert payloads(frames) == [A01.encode(), A08.encode()]
    assert framer.skipped == len(b"\r\nnoise") + 2 + len(b"tail")


def test_a_lone_0x1c_inside_a_frame_is_data() -> None:
    framer = Framer()
    assert payloads(framer.feed(b"\x0bMSH|a\x1cb\x1c\r")) == [b"MSH|a\x1cb"]


def test_a_start_block_inside_a_frame_begins_it_again() -> None:
    """A sender that gave up on a frame half sent and sent it again: the half is dropped."""
    framer = Framer()
    frames = framer.feed(b"\x0bMSH|half of it" + framed(A01))
    assert payloads(frames) == [A01.encode()]
    assert framer.cut_short == 1


def test_an_oversized_frame_keeps_its_head_and_the_next_frame_comes_out() -> None:
    framer = Framer(max_bytes=1000)
    big = A01 + "\rNTE|" + "x" * 50_000
    frames: list[Frame] = []
    stream = framed(big) + framed(A08)
    for at in range(0, len(stream), 4096):
        frames += framer.feed(stream[at : at + 4096])
    assert [f.oversize for f in frames] == [True, False]
    assert frames[0].size == len(big)
    assert frames[0].payload == big.encode()[:HEAD_BYTES]
    assert frames[1].payload == A08.encode()


def test_a_frame_of_exactly_the_limit_is_taken() -> None:
    framer = Framer(max_bytes=len(A01))
    (frame,) = framer.feed(framed(A01))
    assert not frame.oversize and frame.payload == A01.encode()
    (over,) = Framer(max_bytes=len(A01) - 1).feed(framed(A01))
    assert over.oversize


def test_an_unfinished_frame_stays_inside() -> None:
    framer = Framer()
    assert framer.feed(b"\x0bMSH|not yet") == []
    assert framer.inside


def test_the_allow_list_reads_networks_and_lone_addresses() -> None:
    networks = allow_list(" 10.20.0.0/16, 192.168.1.7 ,::1")
    assert networks == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("192.168.1.7/32"),
        ipaddress.ip_network("::1/128"),
    )
    assert allowed("10.20.3.4", networks)
    assert allowed("::ffff:10.20.3.4", networks)  # IPv4 on a dual-stack socket
    assert not allowed("10.21.0.1", networks)
    assert not allowed("127.0.0.1", networks)


@pytest.mark.parametrize("text", ["10.0.0.300/8", "ten", "", " , "])
def test_the_allow_list_refuses_what_is_not_a_network_in_words(text: str) -> None:
    with pytest.raises(ValueError, match="address or a network|at least one"):
        allow_list(text)


def test_sizes_read_as_people_write_them() -> None:
    assert size_words(1024 * 1024) == "1 MiB"
    assert size_words(64 * 1024) == "64 KiB"
    assert size_words(1000) == "1000 bytes"
