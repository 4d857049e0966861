"""Customer-group messages from every source (msgaudit, 数据与智能专区 keyword hits), handed on once each."""
