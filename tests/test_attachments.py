from crawlers.attachments import find_attachments

PAGE = "http://site.test/col/2025/09/t20250915_1.html"


def test_every_way_of_attaching_a_file_is_followed():
    html = """
    <a href="./P020250915123.pdf">大同市某局2024年度部门决算公开.pdf</a>
    <a href="/other/page.html">not a file</a>
    <iframe src="/upload/a.pdf"></iframe>
    <embed src="b.xlsx">
    <a href="/pdfjs/web/viewer.html?file=%2Fupload%2Fc.pdf">在线预览</a>
    <a href="javascript:void(0)" onclick="window.open('/upload/d.docx')">下载说明</a>
    <a href="./P020250915123.pdf">same file twice</a>
    """
    found = {a.url: a.text for a in find_attachments(html, PAGE)}
    assert found == {
        "http://site.test/col/2025/09/P020250915123.pdf": "大同市某局2024年度部门决算公开.pdf",
        "http://site.test/upload/a.pdf": "",
        "http://site.test/col/2025/09/b.xlsx": "",
        "http://site.test/upload/c.pdf": "在线预览",
        "http://site.test/upload/d.docx": "下载说明",
    }
