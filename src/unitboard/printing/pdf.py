"""Drawing laid-out faces into a PDF with reportlab, one face per page."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.pdfgen.canvas import Canvas

from unitboard.printing.layout import Face, LinearCode, MatrixCode, TextLine
from unitboard.printing.symbols import code128, datamatrix_marks

# 14 mil: wide enough for any scanner, narrow enough for a 7-digit MRN on a 2 in label.
WIDEST_BAR = 1.0


def pdf_of(faces: Sequence[Face], *, title: str, turned: bool) -> bytes:
    """A PDF of `faces`; `turned` pages stand on end (a band feeds short side first).

    The output is byte-for-byte repeatable, and its metadata name no patient.
    """
    first = faces[0]
    page = (first.height, first.width) if turned else (first.width, first.height)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=page, invariant=True)
    canvas.setTitle(title)
    canvas.setCreator("unitboard")
    for face in faces:
        if turned:  # face x runs down the page, face y to the right
            canvas.translate(0, page[1])
            canvas.rotate(-90)
        _draw_face(canvas, face)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_face(canvas: Canvas, face: Face) -> None:
    for line in face.lines:
        _draw_line(canvas, line)
    for matrix in face.matrices:
        _draw_matrix(canvas, matrix)
    if face.linear is not None:
        _draw_linear(canvas, face.linear)


def _draw_line(canvas: Canvas, line: TextLine) -> None:
    canvas.setFont(line.font, line.size)
    canvas.drawString(line.x, line.baseline, line.text)


def _draw_matrix(canvas: Canvas, matrix: MatrixCode) -> None:
    marks = datamatrix_marks(matrix.payload)
    module = matrix.side / marks.width
    top = matrix.y + matrix.side
    path = canvas.beginPath()
    for x, y, width, height in marks.marks:
        path.rect(
            matrix.x + x * module, top - (y + height) * module, width * module, height * module
        )
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_linear(canvas: Canvas, linear: LinearCode) -> None:
    symbol = code128(linear.payload, linear.width, linear.height, WIDEST_BAR)
    left = linear.x + (linear.width - symbol.width) / 2
    symbol.drawOn(canvas, left, linear.y)
