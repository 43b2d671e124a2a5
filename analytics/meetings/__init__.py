"""Review meetings (讲评会): agendas and slides, the PPTX deck, the posting (公示表), publication with objections and
corrections, changes since the last review and the tasks' deadline history."""
