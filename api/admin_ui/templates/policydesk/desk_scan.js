/* Check-in by QR code: the phone's camera and the browser's own BarcodeDetector (no
   library, nothing fetched). The QR code holds the check-in code; once one is read it is
   put in the form, which is sent as if typed. Where the browser has no BarcodeDetector,
   or the camera is refused (it needs HTTPS), the officer types the code. */
(function () {
  var form = document.getElementById('scan-form');
  var input = document.getElementById('scan-code');
  var video = document.getElementById('scan-video');
  var note = document.getElementById('scan-note');
  var CODE = /^[A-Za-z0-9]{4,12}$/;

  function typeInstead(reason) {
    note.textContent = reason + '请输入签到码。';
    video.hidden = true;
    input.focus();
  }
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    typeInstead('此浏览器不能扫码，');
    return;
  }
  var detector;
  try {
    detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  } catch (e) {
    typeInstead('此浏览器不能扫码，');
    return;
  }
  navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
    .then(function (stream) {
      var done = false;
      function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); }
      function look() {
        if (done) return;
        detector.detect(video).then(function (codes) {
          var found = null;
          codes.forEach(function (c) {
            var value = (c.rawValue || '').trim();
            if (!found && CODE.test(value)) found = value.toUpperCase();
          });
          if (found) {
            done = true;
            stop();
            input.value = found;
            note.textContent = '已识别签到码 ' + found + '，正在签到……';
            form.submit();
          } else {
            window.setTimeout(look, 250);
          }
        }).catch(function () { window.setTimeout(look, 500); });
      }
      video.srcObject = stream;
      video.hidden = false;
      note.textContent = '请将签到二维码对准摄像头；也可以直接输入签到码。';
      video.play().then(look, look);
      window.addEventListener('pagehide', stop);
    })
    .catch(function () { typeInstead('无法打开摄像头（需要 HTTPS 并允许使用摄像头），'); });
})();
