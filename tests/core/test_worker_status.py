from core import worker_status


def test_it_remembers_that_the_worker_was_given_up_until_cleared(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert worker_status.stopped_worker() is None
    worker_status.worker_given_up(reason="crashed 5 times in a row")
    stopped = worker_status.stopped_worker()
    assert stopped is not None
    assert stopped.reason == "crashed 5 times in a row"
    worker_status.worker_status_clear()
    assert worker_status.stopped_worker() is None


def test_an_unreadable_file_says_nothing(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / worker_status.FILE_NAME).write_text("{not json")
    assert worker_status.stopped_worker() is None
